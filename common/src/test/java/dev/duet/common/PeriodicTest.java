package dev.duet.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PeriodicTest {
  @Test
  void aRunThatThrowsDoesNotStopTheNextOnes() throws Exception {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try {
      AtomicInteger runs = new AtomicInteger();
      CountDownLatch third = new CountDownLatch(1);
      var unused =
          Periodic.every(
              timer,
              0,
              10,
              TimeUnit.MILLISECONDS,
              "a flaky task",
              () -> {
                if (runs.incrementAndGet() < 3) {
                  throw new IllegalStateException("run " + runs.get() + " fails");
                }
                third.countDown();
              });
      assertThat(third.await(5, TimeUnit.SECONDS)).as("ran again after two failures").isTrue();
    } finally {
      timer.shutdownNow();
    }
  }
}
