package dev.duet.signaling.moderation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.store.AuditEntry;
import dev.duet.store.Database;
import dev.duet.store.DatabaseConfig;
import dev.duet.store.Recording;
import dev.duet.store.RecordingStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link RecordingCatalog} on real WebM files made by the real ffmpeg, checked by the real ffprobe,
 * catalogued in a real (H2) database.
 */
class RecordingCatalogIT {
  static Path dir;
  static Database db;
  static RecordingFiles files;
  static RecordingCatalog catalog;
  static Path fourSeconds;
  static final Instant STARTED = Instant.parse("2025-03-01T10:00:00.250Z");

  @BeforeAll
  static void setUp() throws IOException {
    dir = Files.createTempDirectory("duet-catalog");
    db = Database.open(DatabaseConfig.h2(dir.resolve("db")));
    files = new RecordingFiles(dir.resolve("recordings"));
    catalog =
        new RecordingCatalog(
            db.recordings(),
            db.audit(),
            files,
            Optional.of(Ffprobe.onPath().orElseThrow(() -> new AssertionError("no ffprobe"))),
            Clock.systemUTC());
    fourSeconds = WebmFiles.write(dir.resolve("template.webm"), 4, 440);
  }

  @AfterAll
  static void tearDown() {
    db.close();
    WebmFiles.deleteTree(dir);
  }

  static String call() {
    return UUID.randomUUID().toString();
  }

  /** A copy of the 4 s recording as {@code party}'s file of a new call. */
  static Path recorded(String callId, String party) throws IOException {
    Path file = files.newFile(callId, party);
    Files.copy(fourSeconds, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return file;
  }

  static String sha256sum(Path file) throws Exception {
    Process p = new ProcessBuilder("sha256sum", file.toString()).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    return out.split(" ")[0];
  }

  static List<AuditEntry> auditOf(Recording r) {
    return db.audit().forTarget("recording", r.recordingId(), OptionalLong.empty(), 10);
  }

  @Test
  void aPlayableRecordingIsCataloguedOkWithDurationCodecsSizeAndChecksum() throws Exception {
    String callId = call();
    Path file = recorded(callId, "alice");

    Recording r = catalog.catalogue(callId, "alice", file, STARTED, false);

    assertThat(r.status()).isEqualTo(RecordingStatus.OK);
    assertThat(r.callId()).isEqualTo(callId);
    assertThat(r.party()).isEqualTo("alice");
    assertThat(r.startedAt()).isEqualTo(STARTED);
    assertThat(r.duration()).isBetween(Duration.ofMillis(3900), Duration.ofMillis(4100));
    assertThat(r.codecs()).containsExactly("vp8", "opus");
    assertThat(r.sizeBytes()).isEqualTo(Files.size(file)).isPositive();
    assertThat(r.sha256()).contains(sha256sum(file));
    assertThat(r.filePath()).isEqualTo(callId + "/alice.webm");
    assertThat(r.flagged()).isFalse();
    assertThat(r.legalHold()).isFalse();
    assertThat(r.deleted()).isFalse();
    assertThat(db.recordings().find(r.recordingId())).contains(r);
    assertThat(db.recordings().forCall(callId)).containsExactly(r);
    assertThat(auditOf(r))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.actor()).isEqualTo("system");
              assertThat(e.action()).isEqualTo("recording.catalogue");
              assertThat(e.detail()).startsWith("status ok").contains("vp8+opus");
            });
  }

  @Test
  void aRecorderCutShortGivesPartial() throws Exception {
    String callId = call();
    Recording r = catalog.catalogue(callId, "bob", recorded(callId, "bob"), STARTED, true);

    assertThat(r.status()).isEqualTo(RecordingStatus.PARTIAL);
    assertThat(r.duration()).isGreaterThan(Duration.ofMillis(3900));
    assertThat(r.codecs()).containsExactly("vp8", "opus");
  }

  @Test
  void anEmptyFileFailsWithAReason() throws Exception {
    String callId = call();
    Path file = files.newFile(callId, "alice"); // created empty, never written

    Recording r = catalog.catalogue(callId, "alice", file, STARTED, false);

    assertThat(r.status()).isEqualTo(RecordingStatus.FAILED);
    assertThat(r.sizeBytes()).isZero();
    assertThat(r.duration()).isZero();
    assertThat(auditOf(r))
        .singleElement()
        .extracting(AuditEntry::detail)
        .asString()
        .startsWith("status failed")
        .endsWith(": file is empty");
  }

  @Test
  void aTruncatedFileFailsWithAReasonUnlessTheRecorderWasCutShort() throws Exception {
    byte[] whole = Files.readAllBytes(fourSeconds);
    String callId = call();
    Path file = files.newFile(callId, "alice");
    Files.write(file, Arrays.copyOf(whole, whole.length / 2));

    RecordingCheck clean = catalog.check(file, false, Optional.empty());
    RecordingCheck cutShort = catalog.check(file, true, Optional.empty());
    Recording r = catalog.catalogue(callId, "alice", file, STARTED, false);

    assertThat(clean.status()).isEqualTo(RecordingStatus.FAILED);
    assertThat(clean.reason()).hasValueSatisfying(v -> assertThat(v).contains("truncated"));
    assertThat(cutShort.status()).isEqualTo(RecordingStatus.PARTIAL);
    assertThat(cutShort.duration()).isBetween(Duration.ofMillis(500), Duration.ofMillis(3500));
    assertThat(r.status()).isEqualTo(RecordingStatus.FAILED);
    assertThat(r.sha256()).contains(sha256sum(file));
    assertThat(auditOf(r).get(0).detail()).contains("File ended prematurely");
  }

  @Test
  void garbageFailsWithFfprobesReason() throws Exception {
    String callId = call();
    Path file = files.newFile(callId, "alice");
    Files.writeString(file, "this is not a WebM file\n".repeat(100));

    Recording r = catalog.catalogue(callId, "alice", file, STARTED, false);

    assertThat(r.status()).isEqualTo(RecordingStatus.FAILED);
    assertThat(r.codecs()).isEmpty();
    assertThat(auditOf(r).get(0).detail())
        .contains("ffprobe: ")
        .contains("Invalid data")
        .doesNotContain(files.root().toString());
  }

  @Test
  void aMissingFileFailsAndIsStillCatalogued() {
    String callId = call();
    Path file = files.root().resolve(callId).resolve("never-written.webm");

    Recording r = catalog.catalogue(callId, "alice", file, STARTED, false);

    assertThat(r.status()).isEqualTo(RecordingStatus.FAILED);
    assertThat(r.sha256()).isEmpty();
    assertThat(db.recordings().forCall(callId)).containsExactly(r);
    assertThat(auditOf(r).get(0).detail()).endsWith(": file missing");
  }

  @Test
  void aFileOutsideTheRecordingsFolderIsRefused() {
    assertThatThrownBy(() -> catalog.catalogue(call(), "alice", fourSeconds, STARTED, false))
        .isInstanceOf(IllegalArgumentException.class);
    Path sneaky = files.root().resolve("..").resolve("template.webm");
    assertThatThrownBy(() -> catalog.catalogue(call(), "alice", sneaky, STARTED, false))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void cataloguingTheSameFileAgainKeepsItsIdAndModerationState() throws Exception {
    String callId = call();
    Path file = recorded(callId, "alice");
    Recording first = catalog.catalogue(callId, "alice", file, STARTED, true);
    db.recordings().setLegalHold(first.recordingId(), true);

    Recording again = catalog.catalogue(callId, "alice", file, STARTED, false);

    assertThat(again.recordingId()).isEqualTo(first.recordingId());
    assertThat(again.status()).isEqualTo(RecordingStatus.OK);
    assertThat(again.legalHold()).isTrue();
    assertThat(db.recordings().forCall(callId)).hasSize(1);
  }

  @Test
  void newFilesAreNeverOverwritten() throws Exception {
    String callId = call();
    Path first = recorded(callId, "alice");
    Path second = files.newFile(callId, "alice");

    assertThat(second).isNotEqualTo(first);
    assertThat(second.getFileName().toString()).isEqualTo("alice-2.webm");
    assertThat(Files.size(first)).isEqualTo(Files.size(fourSeconds));
    assertThat(files.newFile("../../etc", "../passwd").normalize()).startsWith(files.root());
  }

  @Test
  void aFileThatCannotBeCreatedIsAPathWhereNoneExistsAndCataloguesFailed() throws Exception {
    String callId = call();
    Files.writeString(files.root().resolve(callId), "in the way of the call's folder");
    Path unwritten = files.newFile(callId, "alice");
    assertThat(unwritten.normalize()).startsWithRaw(files.root());
    assertThat(Files.exists(unwritten)).as("%s exists", unwritten).isFalse();
    assertThat(files.newFile(callId, "alice")).as("never the same twice").isNotEqualTo(unwritten);
    assertThat(catalog.catalogue(callId, "alice", unwritten, STARTED, false).status())
        .isEqualTo(RecordingStatus.FAILED);
  }

  @Test
  void aProbeThatFailsCataloguesTheRecordingFailedWithTheReason() throws Exception {
    RecordingCatalog broken =
        new RecordingCatalog(
            db.recordings(),
            db.audit(),
            files,
            Optional.of(new Ffprobe(dir.resolve("no-such-ffprobe").toString())),
            Clock.systemUTC());
    String callId = call();
    Recording r = broken.catalogue(callId, "alice", recorded(callId, "alice"), STARTED, false);
    assertThat(r.status()).isEqualTo(RecordingStatus.FAILED);
    assertThat(
            db.audit().forTarget("recording", r.recordingId(), OptionalLong.empty(), 10).toString())
        .contains("not checked: the probe failed");
  }

  @Test
  void withoutFfprobeTheEnginesReportIsUsed() throws Exception {
    RecordingCatalog noProbe =
        new RecordingCatalog(
            db.recordings(), db.audit(), files, Optional.empty(), Clock.systemUTC());
    String callId = call();
    Path file = recorded(callId, "alice");

    Recording reported =
        noProbe.catalogue(
            callId,
            "alice",
            file,
            STARTED,
            false,
            Optional.of(ProbeReport.playable(Duration.ofMillis(4008), List.of("vp8", "opus"))));
    RecordingCheck unreported = noProbe.check(file, false, Optional.empty());
    RecordingCheck badReport =
        noProbe.check(file, false, Optional.of(ProbeReport.unplayable("no keyframe")));

    assertThat(reported.status()).isEqualTo(RecordingStatus.OK);
    assertThat(reported.duration()).isEqualTo(Duration.ofMillis(4008));
    assertThat(reported.codecs()).containsExactly("vp8", "opus");
    assertThat(unreported.status()).isEqualTo(RecordingStatus.OK);
    assertThat(unreported.reason()).hasValueSatisfying(v -> assertThat(v).startsWith("not probed"));
    assertThat(badReport.status()).isEqualTo(RecordingStatus.FAILED);
    assertThat(badReport.reason()).contains("no keyframe");
  }

  @Test
  void startedAtIsKeptToTheMillisecond() throws Exception {
    String callId = call();
    Instant precise = STARTED.plusNanos(123_456);
    Recording r = catalog.catalogue(callId, "alice", recorded(callId, "alice"), precise, false);
    assertThat(r.startedAt()).isEqualTo(precise.truncatedTo(ChronoUnit.MILLIS));
  }
}
