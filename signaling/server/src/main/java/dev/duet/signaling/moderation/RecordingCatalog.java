package dev.duet.signaling.moderation;

import dev.duet.store.AuditLog;
import dev.duet.store.Recording;
import dev.duet.store.RecordingStatus;
import dev.duet.store.RecordingStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks finished recording files and puts them in the catalogue. Called by the media relay once a
 * recorder has stopped and its file is closed.
 *
 * <p>The check: the file exists, is not empty, and is playable (ffprobe's duration and codecs, or
 * the media engine's own report when ffprobe is absent); its SHA-256 is computed. A failed check is
 * catalogued with status {@code failed}, never left out, and its reason goes to the audit log
 * (actor {@code system}, action {@code recording.catalogue}) and to the server log. Thread-safe.
 */
public final class RecordingCatalog {
  private static final Logger LOG = LoggerFactory.getLogger(RecordingCatalog.class);

  /** The audit log's actor for what the server does by itself. */
  public static final String SYSTEM = "system";

  private final RecordingStore store;
  private final AuditLog audit;
  private final RecordingFiles files;
  private final Optional<MediaProbe> probe;
  private final Clock clock;

  /**
   * @param probe ffprobe ({@link Ffprobe#onPath()}), or empty to rely on the engine's reports
   */
  public RecordingCatalog(
      RecordingStore store,
      AuditLog audit,
      RecordingFiles files,
      Optional<MediaProbe> probe,
      Clock clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.audit = Objects.requireNonNull(audit, "audit");
    this.files = Objects.requireNonNull(files, "files");
    this.probe = Objects.requireNonNull(probe, "probe");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public RecordingFiles files() {
    return files;
  }

  /**
   * Checks {@code file} and catalogues it.
   *
   * @param file the recording, inside the recordings folder
   * @param partial whether the recorder was cut short (media failed, server stopping): a playable
   *     file is then {@code partial}, not {@code ok}, even when it ends mid-cluster; a file that is
   *     truncated or damaged when the recorder finished cleanly is {@code failed}
   * @throws IllegalArgumentException when the file is outside the recordings folder
   */
  public Recording catalogue(
      String callId, String party, Path file, Instant startedAt, boolean partial) {
    return catalogue(callId, party, file, startedAt, partial, Optional.empty());
  }

  /**
   * As {@link #catalogue(String, String, Path, Instant, boolean)}, with the media engine's own
   * report on the file, used when there is no ffprobe. Cataloguing the same file again updates its
   * entry (same recording id) and keeps its moderation state.
   */
  public Recording catalogue(
      String callId,
      String party,
      Path file,
      Instant startedAt,
      boolean partial,
      Optional<ProbeReport> engineReport) {
    String relative = files.relative(file);
    RecordingCheck check = check(file, partial, engineReport);
    String recordingId =
        store.forCall(callId).stream()
            .filter(r -> r.filePath().equals(relative))
            .map(Recording::recordingId)
            .findFirst()
            .orElseGet(() -> UUID.randomUUID().toString());
    Recording recording =
        Recording.catalogued(
            recordingId,
            callId,
            party,
            relative,
            startedAt,
            check.duration(),
            check.sizeBytes(),
            check.codecs(),
            check.status(),
            check.sha256());
    store.save(recording);
    String detail =
        "status "
            + check.status().wireName()
            + ", "
            + check.duration().toMillis()
            + " ms, "
            + check.sizeBytes()
            + " bytes, codecs "
            + (check.codecs().isEmpty() ? "none" : String.join("+", check.codecs()))
            + ", file "
            + relative
            + check.reason().map(r -> ": " + r).orElse("");
    audit.append(
        SYSTEM, "recording.catalogue", "recording", recordingId, clock.instant(), clip(detail));
    if (check.status() == RecordingStatus.FAILED) {
      LOG.warn(
          "Recording {} of call {} ({}) failed its check: {}", recordingId, callId, party, detail);
    } else {
      LOG.info("Recording {} of call {} ({}) catalogued: {}", recordingId, callId, party, detail);
    }
    return store.find(recordingId).orElse(recording);
  }

  /** Checks a finished recording file, without cataloguing it. */
  public RecordingCheck check(Path file, boolean partial, Optional<ProbeReport> engineReport) {
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return RecordingCheck.failed(0, Optional.empty(), "file missing");
    }
    long size;
    String sha256;
    try {
      size = Files.size(file);
      sha256 = sha256(file);
    } catch (IOException e) {
      return RecordingCheck.failed(0, Optional.empty(), "file unreadable: " + e.getMessage());
    }
    if (size == 0) {
      return RecordingCheck.failed(0, Optional.of(sha256), "file is empty");
    }
    Optional<ProbeReport> report;
    try {
      report = probe.map(p -> p.probe(file)).or(() -> engineReport);
    } catch (RuntimeException e) { // ffprobe timed out, could not start, ...
      return RecordingCheck.failed(
          size, Optional.of(sha256), "not checked: the probe failed (" + e.getMessage() + ")");
    }
    if (report.isEmpty()) {
      return new RecordingCheck(
          partial ? RecordingStatus.PARTIAL : RecordingStatus.OK,
          Duration.ZERO,
          size,
          List.of(),
          Optional.of(sha256),
          Optional.of("not probed: no ffprobe and no report from the media engine"));
    }
    ProbeReport r = report.get();
    if (r.codecs().isEmpty()) {
      return RecordingCheck.failed(
          size, Optional.of(sha256), r.problem().orElse("no audio or video stream"));
    }
    if (r.duration().isEmpty() || r.duration().get().isZero()) {
      return RecordingCheck.failed(
          size, Optional.of(sha256), r.problem().orElse("no playable duration"));
    }
    if (r.problem().isPresent()) {
      // A recorder that was cut short may leave a file that ends mid-cluster: playable up to
      // there, so partial. A recorder that says it finished cleanly must leave a sound file.
      return partial
          ? new RecordingCheck(
              RecordingStatus.PARTIAL,
              r.duration().get(),
              size,
              r.codecs(),
              Optional.of(sha256),
              r.problem())
          : RecordingCheck.failed(size, Optional.of(sha256), r.problem().get());
    }
    return new RecordingCheck(
        partial ? RecordingStatus.PARTIAL : RecordingStatus.OK,
        r.duration().get(),
        size,
        r.codecs(),
        Optional.of(sha256),
        partial ? Optional.of("cut short") : Optional.empty());
  }

  static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always there", e);
    }
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  static String clip(String detail) {
    return detail.length() > 4000 ? detail.substring(0, 3997) + "..." : detail;
  }
}
