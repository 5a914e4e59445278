package dev.duet.store;

import static dev.duet.store.StoreFixtures.at;
import static dev.duet.store.StoreFixtures.millis;
import static dev.duet.store.StoreFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link CallStore} must do. Subclasses supply an open database. */
abstract class CallStoreContract {
  private CallStore store;
  private String alice;
  private String bob;
  private String carol;

  protected abstract Database database();

  @BeforeEach
  void setUp() {
    store = database().calls();
    alice = unique("alice");
    bob = unique("bob");
    carol = unique("carol");
  }

  @Test
  void saveThenFindReturnsTheRecordToTheMillisecond() {
    CallRecord call =
        new CallRecord(
            unique("call"),
            alice,
            bob,
            at(0),
            Optional.of(at(2)),
            Optional.of(at(62)),
            Optional.of("hangup"),
            CallRecord.RELAY,
            Optional.of(at(5)),
            true,
            List.of("rec-b", "rec-a"));

    store.save(call);

    CallRecord found = store.find(call.callId()).orElseThrow();
    assertThat(found).isEqualTo(truncated(call));
    assertThat(found.recordingIds()).containsExactly("rec-b", "rec-a");
    assertThat(found.duration()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void saveUpdatesTheRecordThroughTheCallsLife() {
    CallRecord invited = CallRecord.invited(unique("call"), alice, bob, at(0), true);
    store.save(invited);
    assertThat(store.find(invited.callId())).contains(truncated(invited));

    CallRecord answered = invited.withAnswered(at(3));
    store.save(answered);
    assertThat(store.find(invited.callId())).contains(truncated(answered));

    CallRecord relayed =
        answered.withMediaPath(CallRecord.RELAY, at(4)).withRecording("r1").withRecording("r2");
    store.save(relayed);
    assertThat(store.find(invited.callId()).orElseThrow().recordingIds())
        .containsExactly("r1", "r2");

    CallRecord ended =
        new CallRecord(
                relayed.callId(),
                relayed.caller(),
                relayed.callee(),
                relayed.createdAt(),
                relayed.answeredAt(),
                relayed.endedAt(),
                relayed.endReason(),
                relayed.mediaPath(),
                relayed.pathSwitchedAt(),
                relayed.recorded(),
                List.of("r2"))
            .withEnded(at(33), "ice_failed");
    store.save(ended);

    CallRecord found = store.find(invited.callId()).orElseThrow();
    assertThat(found).isEqualTo(truncated(ended));
    assertThat(found.recordingIds()).containsExactly("r2");
    assertThat(found.endReason()).contains("ice_failed");
    assertThat(found.duration()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void aCallReusingAnotherCallsIdCannotRewriteItsRecordNorTakeItsRecordings() {
    String id = unique("call");
    CallRecord first =
        CallRecord.invited(id, alice, bob, at(0), true)
            .withAnswered(at(1))
            .withRecording("rec-1")
            .withEnded(at(9), "hangup");
    store.save(first);
    // The same id, later, between other people (or the same ones): another call.
    CallRecord reuse = CallRecord.invited(id, alice, carol, at(100), false);
    assertThatThrownBy(() -> store.saveState(reuse))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("belongs to an earlier call");
    assertThatThrownBy(() -> store.save(reuse.withEnded(at(101), "cancelled")))
        .isInstanceOf(StoreException.class);
    CallRecord kept = store.find(id).orElseThrow();
    assertThat(kept).isEqualTo(truncated(first));
    assertThat(kept.recordingIds()).containsExactly("rec-1");
  }

  @Test
  void anUnansweredCallLastsZero() {
    CallRecord missed =
        CallRecord.invited(unique("call"), alice, bob, at(0), false).withEnded(at(30), "timeout");
    store.save(missed);

    assertThat(store.find(missed.callId()).orElseThrow().duration()).isEqualTo(Duration.ZERO);
  }

  @Test
  void savingTheStateOfACallKeepsItsRecordings() {
    CallRecord call = CallRecord.invited(unique("call"), alice, bob, at(0), true);
    store.save(call.withRecording("rec-a"));
    CallRecord ended = call.withAnswered(at(1)).withEnded(at(9), "hangup");
    store.saveState(ended); // carries no recording ids
    CallRecord found = store.find(call.callId()).orElseThrow();
    assertThat(found.endReason()).contains("hangup");
    assertThat(found.recordingIds()).containsExactly("rec-a");
    // and a first save of the state inserts the call
    CallRecord fresh = CallRecord.invited(unique("call"), alice, bob, at(2), false);
    store.saveState(fresh);
    assertThat(store.find(fresh.callId())).contains(truncated(fresh));
  }

  @Test
  void recordingsAreLinkedInOrderOnceEachAndOnlyToKnownCalls() {
    CallRecord call = CallRecord.invited(unique("call"), alice, bob, at(0), true);
    store.saveState(call);
    assertThat(store.addRecording(call.callId(), "rec-1")).isTrue();
    assertThat(store.addRecording(call.callId(), "rec-2")).isTrue();
    assertThat(store.addRecording(call.callId(), "rec-1")).isTrue();
    store.saveState(call.withEnded(at(5), "hangup"));
    assertThat(store.find(call.callId()).orElseThrow().recordingIds())
        .containsExactly("rec-1", "rec-2");
    assertThat(store.addRecording(unique("call"), "rec-3")).isFalse();
  }

  @Test
  void concurrentRecordingLinksAndStateSavesLoseNothing() throws Exception {
    CallRecord call = CallRecord.invited(unique("call"), alice, bob, at(0), true);
    store.saveState(call);
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<?>> work = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        String id = "rec-" + i;
        work.add(pool.submit(() -> store.addRecording(call.callId(), id)));
        work.add(pool.submit(() -> store.saveState(call.withAnswered(at(1)))));
      }
      for (java.util.concurrent.Future<?> f : work) {
        f.get(30, java.util.concurrent.TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.find(call.callId()).orElseThrow().recordingIds())
        .containsExactlyInAnyOrder(
            "rec-0", "rec-1", "rec-2", "rec-3", "rec-4", "rec-5", "rec-6", "rec-7");
  }

  @Test
  void findOfAnUnknownCallIsEmpty() {
    assertThat(store.find(unique("call"))).isEmpty();
  }

  @Test
  void historyListsBothRolesNewestFirstAndPagesWithBefore() {
    List<CallRecord> saved = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      CallRecord call =
          i % 2 == 0
              ? CallRecord.invited(unique("call"), alice, bob, at(i * 10), false)
              : CallRecord.invited(unique("call"), carol, alice, at(i * 10), true)
                  .withRecording("rec-" + i);
      store.save(call);
      saved.add(truncated(call));
    }
    store.save(CallRecord.invited(unique("call"), bob, carol, at(100), false));

    List<CallRecord> page1 = store.history(alice, Optional.empty(), 3);
    assertThat(page1).containsExactly(saved.get(6), saved.get(5), saved.get(4));
    List<CallRecord> page2 =
        store.history(alice, Optional.of(CallStore.Cursor.of(page1.get(2))), 3);
    assertThat(page2).containsExactly(saved.get(3), saved.get(2), saved.get(1));
    List<CallRecord> page3 =
        store.history(alice, Optional.of(CallStore.Cursor.of(page2.get(2))), 3);
    assertThat(page3).containsExactly(saved.get(0));
    assertThat(store.history(alice, Optional.of(CallStore.Cursor.before(at(40))), 10))
        .containsExactly(saved.get(3), saved.get(2), saved.get(1), saved.get(0));

    assertThat(store.history(bob, Optional.empty(), 50))
        .extracting(CallRecord::createdAt)
        .containsExactly(
            millis(at(100)), millis(at(60)), millis(at(40)), millis(at(20)), millis(at(0)));
  }

  @Test
  void historyPagesThroughCallsCreatedInTheSameMillisecondWithoutLosingAny() {
    List<CallRecord> saved = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      CallRecord call =
          i % 2 == 0
              ? CallRecord.invited(unique("call"), alice, bob, at(500), false)
              : CallRecord.invited(unique("call"), carol, alice, at(500), false);
      store.save(call);
      saved.add(truncated(call));
    }
    List<CallRecord> seen = new ArrayList<>();
    Optional<CallStore.Cursor> after = Optional.empty();
    for (int page = 0; page < 5; page++) {
      List<CallRecord> calls = store.history(alice, after, 2);
      seen.addAll(calls);
      if (calls.size() < 2) {
        break;
      }
      after = Optional.of(CallStore.Cursor.of(calls.get(calls.size() - 1)));
    }
    assertThat(seen)
        .containsExactlyElementsOf(
            saved.stream()
                .sorted(java.util.Comparator.comparing(CallRecord::callId).reversed())
                .toList());
  }

  @Test
  void historyOfACallToOneselfHasItOnce() {
    CallRecord self = CallRecord.invited(unique("call"), alice, alice, at(0), false);
    store.save(self);

    assertThat(store.history(alice, Optional.empty(), 10)).containsExactly(truncated(self));
  }

  @Test
  void concurrentFirstSavesOfOneCallDoNotFail() throws Exception {
    String callId = unique("call");
    int threads = 6;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        CallRecord call =
            CallRecord.invited(callId, alice, bob, at(0), true).withRecording("rec-" + t);
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  store.save(call);
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> result : results) {
        result.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    CallRecord found = store.find(callId).orElseThrow();
    assertThat(found.recordingIds()).hasSize(1).first().asString().startsWith("rec-");
    assertThat(store.history(alice, Optional.empty(), 10)).hasSize(1);
  }

  private static CallRecord truncated(CallRecord call) {
    return new CallRecord(
        call.callId(),
        call.caller(),
        call.callee(),
        millis(call.createdAt()),
        call.answeredAt().map(StoreFixtures::millis),
        call.endedAt().map(StoreFixtures::millis),
        call.endReason(),
        call.mediaPath(),
        call.pathSwitchedAt().map(StoreFixtures::millis),
        call.recorded(),
        call.recordingIds());
  }
}
