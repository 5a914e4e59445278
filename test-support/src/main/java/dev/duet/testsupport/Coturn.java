package dev.duet.testsupport;

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
public final class Coturn implements AutoCloseable {
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

  /** Starts coturn through {@code script} (turn-config/coturn.sh) with the TURN REST secret. */
  public static Coturn start(Path script, String secret) {
    try {
      Path data = Files.createTempDirectory("duet-coturn");
      String out;
      try {
        out = run(script, data, secret, "start").trim();
      } catch (RuntimeException e) {
        Chromium.deleteTree(data);
        throw e;
      }
      if (!out.startsWith("turn:")) {
        throw new IllegalStateException("coturn.sh start printed no URLs: " + out);
      }
      return new Coturn(script, data, secret, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The value for DUET_TURN_URLS. */
  public String urls() {
    return urls;
  }

  public String secret() {
    return secret;
  }

  public Path log() {
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
      Chromium.deleteTree(dataDir);
    }
  }
}
