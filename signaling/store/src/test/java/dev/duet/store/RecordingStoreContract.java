package dev.duet.store;

import static dev.duet.store.StoreFixtures.at;
import static dev.duet.store.StoreFixtures.millis;
import static dev.duet.store.StoreFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link RecordingStore} must do. Subclasses supply an open database. */
abstract class RecordingStoreContract {
  private static final String SHA = "ab".repeat(32);

  private RecordingStore store;
  private String alice;
  private String bob;

  protected abstract Database database();

  @BeforeEach
  void setUp() {
    store = database().recordings();
    alice = unique("alice");
    bob = unique("bob");
  }

  @Test
  void saveThenFindReturnsTheRecording() {
    Recording recording = recording(unique("rec"), alice, at(0), RecordingStatus.OK);

    store.save(recording);

    assertThat(store.find(recording.recordingId())).contains(truncated(recording));
    assertThat(store.find(unique("rec"))).isEmpty();
  }

  @Test
  void saveOfAKnownRecordingUpdatesTheFileButKeepsTheModerationState() {
    Recording first = recording(unique("rec"), alice, at(0), RecordingStatus.PARTIAL);
    store.save(first);
    store.flag(first.recordingId(), "mod", "abuse", "", at(1));
    store.setLegalHold(first.recordingId(), true);

    Recording finalised =
        Recording.catalogued(
            first.recordingId(),
            first.callId(),
            alice,
            "2025/03/01/other.webm",
            at(0),
            Duration.ofMillis(61_234),
            999,
            List.of("vp8", "opus"),
            RecordingStatus.OK,
            Optional.of(SHA));
    store.save(finalised);

    Recording found = store.find(first.recordingId()).orElseThrow();
    assertThat(found.filePath()).isEqualTo("2025/03/01/other.webm");
    assertThat(found.duration()).isEqualTo(Duration.ofMillis(61_234));
    assertThat(found.sizeBytes()).isEqualTo(999);
    assertThat(found.status()).isEqualTo(RecordingStatus.OK);
    assertThat(found.flagged()).isTrue();
    assertThat(found.legalHold()).isTrue();
  }

  @Test
  void forCallListsTheCallsRecordingsOldestFirst() {
    String callId = unique("call");
    Recording second = recording(unique("rec"), bob, at(5), RecordingStatus.OK, callId);
    Recording first = recording(unique("rec"), alice, at(1), RecordingStatus.OK, callId);
    store.save(second);
    store.save(first);
    store.save(recording(unique("rec"), alice, at(2), RecordingStatus.OK));

    assertThat(store.forCall(callId)).containsExactly(truncated(first), truncated(second));
  }

  @Test
  void listFiltersByPartyDateRangeStatusAndFlagAndPagesNewestFirst() {
    // A day of its own, so other tests' recordings never fall in the date range.
    Instant day = Instant.parse("2030-01-01T00:00:00Z").plusSeconds(86_400L * random());
    Recording a1 = save(recording(unique("rec"), alice, day.plusSeconds(10), RecordingStatus.OK));
    Recording a2 =
        save(recording(unique("rec"), alice, day.plusSeconds(20), RecordingStatus.FAILED));
    Recording a3 = save(recording(unique("rec"), alice, day.plusSeconds(30), RecordingStatus.OK));
    Recording b1 =
        save(recording(unique("rec"), bob, day.plusSeconds(25), RecordingStatus.PARTIAL));
    Recording late =
        save(recording(unique("rec"), alice, day.plusSeconds(86_400), RecordingStatus.OK));
    store.flag(a1.recordingId(), "mod", "abuse", "", day.plusSeconds(100));

    RecordingQuery ofDay = RecordingQuery.all().withStartedBetween(day, day.plusSeconds(86_400));
    assertThat(store.list(ofDay)).containsExactly(a3, b1, a2, flagged(a1));
    assertThat(store.count(ofDay)).isEqualTo(4);
    assertThat(store.list(ofDay.page(1, 2))).containsExactly(b1, a2);
    assertThat(store.list(ofDay.page(4, 2))).isEmpty();

    RecordingQuery ofAlice = RecordingQuery.all().withParty(alice);
    assertThat(store.list(ofAlice)).containsExactly(late, a3, a2, flagged(a1));
    assertThat(store.list(ofAlice.withStatus(RecordingStatus.OK)))
        .containsExactly(late, a3, flagged(a1));
    assertThat(store.list(ofAlice.withStatus(RecordingStatus.FAILED))).containsExactly(a2);
    assertThat(store.list(ofAlice.withFlagged(true))).containsExactly(flagged(a1));
    assertThat(store.count(ofAlice.withFlagged(false))).isEqualTo(3);
    assertThat(store.list(ofAlice.withStartedBetween(day.plusSeconds(20), day.plusSeconds(30))))
        .containsExactly(a2);
    assertThat(store.list(RecordingQuery.all().withParty(bob).withStatus(RecordingStatus.OK)))
        .isEmpty();
  }

  @Test
  void flagsAreKeptInOrderAndClearingLowersTheFlagOnly() {
    Recording recording = save(recording(unique("rec"), alice, at(0), RecordingStatus.OK));
    String id = recording.recordingId();

    RecordingFlag first = store.flag(id, "mod-1", "abuse", "shouting", at(10)).orElseThrow();
    RecordingFlag second = store.flag(id, "mod-2", "spam", "", at(20)).orElseThrow();

    assertThat(first)
        .isEqualTo(
            new RecordingFlag(first.flagId(), id, "mod-1", "abuse", "shouting", millis(at(10))));
    assertThat(second.flagId()).isGreaterThan(first.flagId());
    assertThat(store.flags(id)).containsExactly(first, second);
    assertThat(store.find(id).orElseThrow().flagged()).isTrue();

    assertThat(store.clearFlag(id)).isTrue();
    assertThat(store.clearFlag(id)).isFalse();
    assertThat(store.find(id).orElseThrow().flagged()).isFalse();
    assertThat(store.flags(id)).containsExactly(first, second);
  }

  @Test
  void flaggingAnUnknownRecordingChangesNothing() {
    String id = unique("rec");

    assertThat(store.flag(id, "mod", "abuse", "", at(0))).isEmpty();
    assertThat(store.flags(id)).isEmpty();
  }

  @Test
  void deletedRecordingsAreHiddenUnlessAskedForAndLegalHoldPreventsDeletion() {
    Recording kept = save(recording(unique("rec"), alice, at(0), RecordingStatus.OK));
    Recording gone = save(recording(unique("rec"), alice, at(1), RecordingStatus.OK));

    assertThat(store.setLegalHold(kept.recordingId(), true)).isTrue();
    assertThat(store.setLegalHold(kept.recordingId(), true)).isFalse();
    assertThat(store.markDeleted(kept.recordingId(), at(50))).isFalse();
    assertThat(store.markDeleted(gone.recordingId(), at(50))).isTrue();
    assertThat(store.markDeleted(gone.recordingId(), at(60))).isFalse();

    RecordingQuery ofAlice = RecordingQuery.all().withParty(alice);
    assertThat(store.list(ofAlice))
        .extracting(Recording::recordingId)
        .containsExactly(kept.recordingId());
    assertThat(store.list(ofAlice.withDeleted(true)))
        .extracting(Recording::recordingId)
        .containsExactly(gone.recordingId(), kept.recordingId());
    assertThat(store.find(gone.recordingId()).orElseThrow().deletedAt()).contains(millis(at(50)));

    assertThat(store.setLegalHold(kept.recordingId(), false)).isTrue();
    assertThat(store.markDeleted(kept.recordingId(), at(70))).isTrue();
  }

  private Recording save(Recording recording) {
    store.save(recording);
    return truncated(recording);
  }

  private static Recording flagged(Recording recording) {
    return new Recording(
        recording.recordingId(),
        recording.callId(),
        recording.party(),
        recording.filePath(),
        recording.startedAt(),
        recording.duration(),
        recording.sizeBytes(),
        recording.codecs(),
        recording.status(),
        recording.sha256(),
        true,
        recording.legalHold(),
        recording.deletedAt());
  }

  private static Recording recording(
      String id, String party, Instant startedAt, RecordingStatus status) {
    return recording(id, party, startedAt, status, unique("call"));
  }

  private static Recording recording(
      String id, String party, Instant startedAt, RecordingStatus status, String callId) {
    return Recording.catalogued(
        id,
        callId,
        party,
        "2025/03/01/" + id + ".webm",
        startedAt,
        Duration.ofMillis(12_345),
        1_048_576,
        List.of("vp8", "opus"),
        status,
        status == RecordingStatus.FAILED ? Optional.empty() : Optional.of(SHA));
  }

  private static Recording truncated(Recording recording) {
    return new Recording(
        recording.recordingId(),
        recording.callId(),
        recording.party(),
        recording.filePath(),
        millis(recording.startedAt()),
        recording.duration(),
        recording.sizeBytes(),
        recording.codecs(),
        recording.status(),
        recording.sha256(),
        recording.flagged(),
        recording.legalHold(),
        recording.deletedAt().map(StoreFixtures::millis));
  }

  private static int random() {
    return ThreadLocalRandom.current().nextInt(100_000);
  }
}
