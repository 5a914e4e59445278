package dev.duet.store.testing;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresServerTest {

  @Test
  void missingBinariesFailWithTheInstallCommand(@TempDir Path empty) {
    assertThatThrownBy(() -> PostgresServer.start(empty))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("apt-get install postgresql")
        .hasMessageContaining(empty.resolve("initdb").toString());
  }
}
