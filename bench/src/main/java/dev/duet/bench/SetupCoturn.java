package dev.duet.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real coturn on loopback for the setup benchmark, started and stopped (by the pid it wrote)
 * through turn-config/coturn.sh in a temporary data folder, as the browser tests do.
 */
final class SetupCoturn implements AutoCloseable {
  private final Path script;
  private final Path dataDir;
  private final String secret;
  private final String urls;

  private SetupCoturn(Path script, Path dataDir, String secret, String urls) {
    this.script = script;
    this.dataDir = dataDir;
    this.secret = secret;
    this.urls = urls;
  }

  static SetupCoturn start(Path script, String secret) {
    try {
      Path data = Files.createTempDirectory("duet-setup-coturn");
      String out = run(script, data, secret, "start").trim();
      if (!out.startsWith("turn:")) {
        SetupBrowser.deleteTree(data);
        throw new IllegalStateException("coturn.sh start printed no URLs: " + out);
      }
      return new SetupCoturn(script, data, secret, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String urls() {
    return urls;
  }

  String secret() {
    return secret;
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
      SetupBrowser.deleteTree(dataDir);
    }
  }
}
