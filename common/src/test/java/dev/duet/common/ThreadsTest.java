package dev.duet.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ThreadsTest {
  @Test
  void threadsAreNamedDaemons() {
    Thread t = Threads.daemon("duet-test").newThread(() -> {});
    assertThat(t.getName()).isEqualTo("duet-test");
    assertThat(t.isDaemon()).isTrue();
  }
}
