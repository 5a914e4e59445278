package dev.duet.signaling.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.protocol.ServerMessage;
import dev.duet.signaling.auth.Principal;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A session's outbox and its chat bookkeeping: what it queues, holds and refuses. */
class SessionTest {
  private static final int OUTBOX = 16;

  private static Session session(long outboxBytes) {
    return new Session(
        "s1",
        new Principal("bob", Set.of(), Instant.MAX),
        "token",
        OUTBOX,
        outboxBytes,
        delay -> {},
        Instant.EPOCH);
  }

  private static ServerMessage chat(long msgId, int textLength) {
    return new ServerMessage.ChatMessage(msgId, "alice", "bob", "x".repeat(textLength), 0L);
  }

  /** A link that only takes frames when asked. */
  private static final Link LINK = new QuietLink("test");

  @Test
  void storedChatFillsAtMostHalfTheOutboxSoLiveTrafficStillFits() {
    Session s = session(1 << 20);
    int stored = 0;
    while (s.enqueueStored(chat(stored + 1, 10), stored + 1) == Session.Stored.QUEUED) {
      stored++;
    }
    assertThat(stored).isEqualTo(OUTBOX / 2);
    for (int i = 0; i < OUTBOX / 2; i++) {
      assertThat(s.enqueue(new ServerMessage.Pong(null))).isTrue();
    }
    assertThat(s.enqueue(new ServerMessage.Pong(null))).as("the outbox is full").isFalse();
  }

  @Test
  void aStoredMessageOverHalfTheByteBudgetStillGoesIntoAnEmptyOutbox() {
    Session s = session(2000);
    assertThat(s.enqueueStored(chat(1, 1200), 1)).isEqualTo(Session.Stored.QUEUED);
    assertThat(s.enqueueStored(chat(2, 10), 2)).isEqualTo(Session.Stored.NO_ROOM);
  }

  @Test
  void aChatMessageIsQueuedOnceWhetherItComesLiveOrFromTheStoreFirst() {
    Session s = session(1 << 20);
    assertThat(s.enqueue(chat(5, 10), 5)).isTrue();
    assertThat(s.enqueueStored(chat(5, 10), 5)).isEqualTo(Session.Stored.ALREADY_QUEUED);
    assertThat(s.enqueueStored(chat(6, 10), 6)).isEqualTo(Session.Stored.QUEUED);
    assertThat(s.enqueue(chat(6, 10), 6)).isTrue();
    assertThat(s.pending()).isEqualTo(2);

    // Once the store has it marked delivered, no round reads it again: the guard is let go.
    s.chatDelivered(5);
    assertThat(s.enqueueStored(chat(5, 10), 5)).isEqualTo(Session.Stored.QUEUED);
  }

  @Test
  void heldMessagesComeInStoreOrderUpToTheRoundsLastRowAndLeaveWhenQueued() {
    Session s = session(1 << 20);
    for (long id : new long[] {7, 3, 9}) {
      assertThat(s.hold(chat(id, 10), id)).isTrue();
    }
    assertThat(s.held(8).keySet()).containsExactly(3L, 7L);

    assertThat(s.enqueueStored(chat(3, 10), 3)).isEqualTo(Session.Stored.QUEUED);
    assertThat(s.held(Long.MAX_VALUE).keySet()).containsExactly(7L, 9L);
  }

  @Test
  void aSessionHoldsNoMoreThanItsOutboxTakesByCount() {
    Session s = session(1 << 20);
    for (int id = 1; id <= OUTBOX; id++) {
      assertThat(s.hold(chat(id, 10), id)).isTrue();
    }
    assertThat(s.hold(chat(OUTBOX + 1, 10), OUTBOX + 1)).isFalse();
  }

  @Test
  void aSessionHoldsNoMoreThanItsOutboxTakesBySizeAndQueueingFreesIt() {
    Session s = session(2000);
    assertThat(s.hold(chat(1, 800), 1)).isTrue();
    assertThat(s.hold(chat(2, 800), 2)).isTrue();
    assertThat(s.hold(chat(3, 800), 3)).as("three would pass the byte budget").isFalse();

    assertThat(s.enqueueStored(chat(1, 800), 1)).isEqualTo(Session.Stored.QUEUED);
    assertThat(s.hold(chat(3, 800), 3)).as("room again once one left the hold").isTrue();
  }

  @Test
  void anAckReachesNoFurtherThanWhatWasSent() {
    Session s = session(1 << 20);
    s.attach(LINK, 0);
    for (int i = 0; i < 3; i++) {
      s.enqueue(new ServerMessage.Pong(null));
    }
    assertThat(s.nextFrame(LINK)).isPresent(); // seq 1 sent; 2 and 3 not yet

    assertThat(s.ack(3)).extracting(Frame::seq).containsExactly(1L);
    assertThat(s.pending()).isEqualTo(2);
  }

  @Test
  void anEndedSessionQueuesAndHoldsNothing() {
    Session s = session(1 << 20);
    assertThat(s.hold(chat(1, 10), 1)).isTrue();
    s.end();

    assertThat(s.enqueue(new ServerMessage.Pong(null))).isFalse();
    assertThat(s.enqueueStored(chat(2, 10), 2)).isEqualTo(Session.Stored.NO_ROOM);
    assertThat(s.hold(chat(3, 10), 3)).isFalse();
    assertThat(s.held(Long.MAX_VALUE)).isEmpty();
  }
}
