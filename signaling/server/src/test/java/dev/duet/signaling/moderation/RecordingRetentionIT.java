package dev.duet.signaling.moderation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.signaling.call.testing.MutableClock;
import dev.duet.store.AuditEntry;
import dev.duet.store.Database;
import dev.duet.store.DatabaseConfig;
import dev.duet.store.Recording;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RetentionSweeper} on a real database and real files, with a clock the test moves: expired
 * recordings go (file and catalogue entry, audited), held and young ones stay.
 */
class RecordingRetentionIT {
  static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
  static final Duration RETENTION = Duration.ofDays(30);

  Path dir;
  Database db;
  RecordingFiles files;
  RecordingCatalog catalog;
  Moderation moderation;
  MutableClock clock;
  RetentionSweeper sweeper;

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory("duet-retention");
    db = Database.open(DatabaseConfig.h2(dir.resolve("db")));
    files = new RecordingFiles(dir.resolve("recordings"));
    clock = new MutableClock(NOW);
    catalog =
        new RecordingCatalog(
            db.recordings(),
            db.audit(),
            files,
            Ffprobe.onPath().map(MediaProbe.class::cast),
            clock);
    moderation = new Moderation(db.recordings(), db.audit(), files, clock);
    sweeper = new RetentionSweeper(db.recordings(), moderation, RETENTION, clock);
  }

  @AfterEach
  void tearDown() {
    sweeper.close();
    db.close();
    WebmFiles.deleteTree(dir);
  }

  Recording recorded(String party, Duration age) {
    String callId = UUID.randomUUID().toString();
    Path file = WebmFiles.write(files.newFile(callId, party), 1, 330);
    return catalog.catalogue(callId, party, file, NOW.minus(age), false);
  }

  Path fileOf(Recording r) {
    return files.root().resolve(r.filePath());
  }

  Recording reload(Recording r) {
    return db.recordings().find(r.recordingId()).orElseThrow();
  }

  List<AuditEntry> auditOf(Recording r) {
    return db.audit().forTarget("recording", r.recordingId(), OptionalLong.empty(), 10);
  }

  @Test
  void expiredRecordingsAreDeletedAndAuditedButHeldAndYoungOnesStay() {
    Recording old = recorded("alice", Duration.ofDays(31));
    Recording held = recorded("bob", Duration.ofDays(90));
    Recording young = recorded("carol", Duration.ofDays(29));
    moderation.hold("maria", held.recordingId(), true, "case 7");

    assertThat(sweeper.sweep()).isEqualTo(1);

    assertThat(reload(old).deletedAt()).contains(NOW);
    assertThat(fileOf(old)).doesNotExist();
    assertThat(auditOf(old).get(0))
        .satisfies(
            e -> {
              assertThat(e.actor()).isEqualTo("system");
              assertThat(e.action()).isEqualTo("recording.expire");
              assertThat(e.at()).isEqualTo(NOW);
              assertThat(e.detail()).contains("retention of 30 days").contains("file deleted");
            });
    assertThat(reload(held).deleted()).isFalse();
    assertThat(fileOf(held)).exists();
    assertThat(reload(young).deleted()).isFalse();
    assertThat(fileOf(young)).exists();
    assertThat(sweeper.sweep()).isZero();

    clock.advance(Duration.ofDays(2));
    assertThat(sweeper.sweep()).isEqualTo(1);
    assertThat(reload(young).deleted()).isTrue();
    assertThat(fileOf(young)).doesNotExist();

    moderation.hold("maria", held.recordingId(), false, "");
    assertThat(sweeper.sweep()).isEqualTo(1);
    assertThat(reload(held).deleted()).isTrue();
    assertThat(fileOf(held)).doesNotExist();
  }

  @Test
  void manyExpiredRecordingsAmongHeldOnesAreAllSwept() {
    // More than a page would hold is not needed to show the paging rule: held ones are skipped
    // by the offset while deleted ones leave the listing.
    Recording h1 = recorded("h1", Duration.ofDays(40));
    Recording e1 = recorded("e1", Duration.ofDays(41));
    Recording h2 = recorded("h2", Duration.ofDays(42));
    Recording e2 = recorded("e2", Duration.ofDays(43));
    moderation.hold("maria", h1.recordingId(), true, "");
    moderation.hold("maria", h2.recordingId(), true, "");

    assertThat(sweeper.sweep()).isEqualTo(2);

    assertThat(List.of(reload(e1), reload(e2))).allMatch(Recording::deleted);
    assertThat(List.of(reload(h1), reload(h2))).noneMatch(Recording::deleted);
  }

  @Test
  void aStartedSweeperSweepsOnItsOwnThread() {
    Recording old = recorded("dave", Duration.ofDays(60));

    sweeper.start(Duration.ofHours(1)); // the first pass runs at once

    Instant deadline = Instant.now().plusSeconds(20);
    while (auditOf(old).stream().noneMatch(e -> e.action().equals("recording.expire"))) {
      assertThat(Instant.now()).as("swept within 20 s").isBefore(deadline);
      Thread.onSpinWait();
    }
    assertThat(reload(old).deleted()).isTrue();
    assertThat(fileOf(old)).doesNotExist();
  }

  @Test
  void aFailedRecordingWithoutAFileExpiresToo() {
    String callId = UUID.randomUUID().toString();
    Recording failed =
        catalog.catalogue(
            callId,
            "erin",
            files.root().resolve(callId).resolve("missing.webm"),
            NOW.minus(Duration.ofDays(45)),
            false);

    assertThat(sweeper.sweep()).isEqualTo(1);

    assertThat(reload(failed).deleted()).isTrue();
    assertThat(auditOf(failed).get(0).detail()).contains("no file to delete");
    assertThat(Optional.of(reload(failed).status().wireName())).contains("failed");
  }
}
