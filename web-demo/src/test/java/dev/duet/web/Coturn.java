package dev.duet.web;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real coturn on loopback, started and stopped (by its pid) through turn-config/coturn.sh, the
 * same script {@code ./duet run} uses, in a temporary data folder.
 */
final class Coturn implements AutoCloseable {
  private final Path script;
  private final Path dataDir;
  private final String secret;
  private final String urls;

  private Coturn(Path script, Path dataDir, String secret, String urls) {
    this.script = script;
    this.dataDir = dataDir;
    this.secret = secret;
    this.urls = urls;
  }

  static Coturn start(String secret) {
    Path script =
        Path.of(System.getProperty("duet.turnScript", "../turn-config/coturn.sh"))
            .toAbsolutePath()
            .normalize();
    try {
      Path data = Files.createTempDirectory("duet-coturn");
      String out = run(script, data, secret, "start").trim();
      if (!out.startsWith("turn:")) {
        throw new IllegalStateException("coturn.sh start printed no URLs: " + out);
      }
      return new Coturn(script, data, secret, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The value for DUET_TURN_URLS. */
  String urls() {
    return urls;
  }

  String secret() {
    return secret;
  }

  Path log() {
    return dataDir.resolve("coturn").resolve("turnserver.log");
  }

  private static String run(Path script, Path data, String secret, String command) {
    ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), command);
    pb.environment().put("DUET_DATA_DIR", data.toString());
    pb.environment().put("DUET_TURN_SECRET", secret);
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    try {
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("coturn.sh " + command + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try {
      run(script, dataDir, secret, "stop");
    } finally {
      Browser.deleteTree(dataDir);
    }
  }
}
