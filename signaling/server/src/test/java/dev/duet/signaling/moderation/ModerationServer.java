package dev.duet.signaling.moderation;

import dev.duet.signaling.testing.TestServer;
import dev.duet.store.Database;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The real Duet server ({@link TestServer}, port 0, demo mode) with a recordings folder of its own,
 * and a {@link RecordingCatalog} on the same database, so tests can catalogue real WebM files that
 * the moderators' API then serves.
 */
public final class ModerationServer implements AutoCloseable {
  private final TestServer duet;
  private final Path recordings;
  private final RecordingCatalog catalog;

  private ModerationServer(TestServer duet, Path recordings, RecordingCatalog catalog) {
    this.duet = duet;
    this.recordings = recordings;
    this.catalog = catalog;
  }

  /** Starts it; {@code envPairs} as for {@link TestServer#start(String...)}. */
  public static ModerationServer start(String... envPairs) {
    Path recordings;
    try {
      recordings = Files.createTempDirectory("duet-recordings");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> env = new ArrayList<>(Arrays.asList(envPairs));
    env.add("DUET_RECORDINGS_DIR");
    env.add(recordings.toString());
    TestServer duet = TestServer.start(env.toArray(String[]::new));
    try {
      Database db = duet.server().database();
      RecordingCatalog catalog =
          new RecordingCatalog(
              db.recordings(),
              db.audit(),
              new RecordingFiles(recordings),
              Ffprobe.onPath().map(MediaProbe.class::cast),
              Clock.systemUTC());
      return new ModerationServer(duet, recordings, catalog);
    } catch (RuntimeException e) {
      duet.close();
      throw e;
    }
  }

  /** Where the server is: {@code http://127.0.0.1:port}. */
  public URI base() {
    return duet.server().uri();
  }

  public URI http(String pathAndQuery) {
    return URI.create(base() + pathAndQuery);
  }

  public String token(String user, String... roles) {
    return duet.token(user, roles);
  }

  public Path recordingsDir() {
    return recordings;
  }

  public RecordingCatalog catalog() {
    return catalog;
  }

  public Database database() {
    return duet.server().database();
  }

  @Override
  public void close() {
    try {
      duet.close();
    } finally {
      WebmFiles.deleteTree(recordings);
    }
  }
}
