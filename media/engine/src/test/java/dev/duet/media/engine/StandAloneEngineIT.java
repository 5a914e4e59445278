package dev.duet.media.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kurento.client.KurentoClient;
import org.kurento.client.MediaPipeline;

/** {@code java -jar target/duet-media-engine.jar} runs like a KMS on its own port. */
class StandAloneEngineIT {

  @TempDir Path recordings;

  @Test
  void runnableJarServesKurentoClientsAndStopsOnSigterm() throws Exception {
    Path jar = Path.of("target", "duet-media-engine.jar");
    assertThat(jar).exists();
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar.toString())
            .redirectErrorStream(true);
    pb.environment().put("DUET_ENGINE_PORT", Integer.toString(port));
    pb.environment().put("DUET_RECORDINGS_DIR", recordings.toString());
    Process engine = pb.start();
    try {
      CompletableFuture<String> listening = new CompletableFuture<>();
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(engine.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = r.readLine()) != null) {
                    if (line.contains("listening on")) {
                      listening.complete(line);
                    }
                  }
                } catch (java.io.IOException e) {
                  // process ended
                }
                listening.complete("");
              },
              "engine-output");
      reader.setDaemon(true);
      reader.start();
      assertThat(listening.get(30, TimeUnit.SECONDS))
          .contains("ws://127.0.0.1:" + port + "/kurento");

      KurentoClient kurento = KurentoClient.create("ws://127.0.0.1:" + port + "/kurento");
      try {
        MediaPipeline pipeline = kurento.createMediaPipeline();
        assertThat(pipeline.getId()).endsWith("_kurento.MediaPipeline");
        pipeline.release();
      } finally {
        kurento.destroy();
      }
      engine.destroy(); // SIGTERM: the shutdown hook closes the engine
      assertThat(engine.waitFor(15, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
    } finally {
      if (engine.isAlive()) {
        engine.destroyForcibly();
      }
    }
  }
}
