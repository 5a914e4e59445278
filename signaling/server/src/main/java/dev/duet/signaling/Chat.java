package dev.duet.signaling;

import dev.duet.protocol.ClientMessage;
import dev.duet.protocol.ErrorCode;
import dev.duet.protocol.ServerMessage;
import dev.duet.signaling.call.Outgoing;
import dev.duet.signaling.session.Frame;
import dev.duet.signaling.session.RateLimit;
import dev.duet.signaling.session.Router;
import dev.duet.signaling.session.Session;
import dev.duet.signaling.session.SessionStore;
import dev.duet.store.MessageStore;
import dev.duet.store.StoredMessage;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Instant messages between users, for the {@link Switchboard}: stored first, then delivered to
 * every session of the recipient, acknowledged, and receipted to the sender; what a user missed
 * comes from the store in rounds when a session opens, in store order, ahead of anything sent
 * meanwhile.
 *
 * <p>Threading: store work runs on the switchboard's store thread (in order: a user's messages are
 * stored and delivered in the order sent); the retry timers on its call loop. Sessions keep their
 * own chat bookkeeping (which messages they hold, what the store failed to mark).
 */
final class Chat {
  private static final Logger LOG = LoggerFactory.getLogger(Chat.class);
  private static final int OFFLINE_BATCH = 1000;

  /** How chat answers sessions: through the switchboard, which ends one whose outbox is full. */
  interface Replies {
    void send(Session session, ServerMessage message);

    void error(Session session, ErrorCode code, String message, String re);

    void overflowed(Session session);
  }

  private final Config config;
  private final Clock clock;
  private final SessionStore sessions;
  private final MessageStore messages;
  private final Router router;
  private final ExecutorService store;
  private final ScheduledExecutorService loop;
  private final Replies replies;
  private final Map<String, RateLimit> rates = new ConcurrentHashMap<>();

  Chat(
      Config config,
      Clock clock,
      SessionStore sessions,
      MessageStore messages,
      Router router,
      ExecutorService store,
      ScheduledExecutorService loop,
      Replies replies) {
    this.config = config;
    this.clock = clock;
    this.sessions = sessions;
    this.messages = messages;
    this.router = router;
    this.store = store;
    this.loop = loop;
    this.replies = replies;
  }

  /** Each user's chat limit: kept past their last session until it refills (see Switchboard). */
  Map<String, RateLimit> rates() {
    return rates;
  }

  /** A session opened: what the user missed comes from the store. */
  void opened(Session session) {
    store.execute(() -> deliverStored(session));
  }

  /** {@code chat.send}: checks it, stores it, answers {@code chat.sent}, and delivers it live. */
  void send(Session session, ClientMessage.ChatSend m) {
    int bytes = m.text().getBytes(StandardCharsets.UTF_8).length;
    if (bytes > config.maxChatBytes()) {
      replies.error(
          session, ErrorCode.TOO_LARGE, "text over " + config.maxChatBytes() + " bytes", m.id());
      return;
    }
    if (m.text().isEmpty() || !wellFormed(m.text()) || !wellFormed(m.to())) {
      replies.error(session, ErrorCode.BAD_REQUEST, "text must be non-empty, valid UTF-8", m.id());
      return;
    }
    if (m.to().equals(session.user()) || m.to().isBlank() || m.to().length() > 128) {
      replies.error(session, ErrorCode.BAD_REQUEST, "invalid recipient", m.id());
      return;
    }
    if (m.clientMsgId().isEmpty() || m.clientMsgId().length() > 128) {
      replies.error(session, ErrorCode.BAD_REQUEST, "clientMsgId must be 1-128 characters", m.id());
      return;
    }
    RateLimit rate =
        rates.computeIfAbsent(
            session.user(), u -> new RateLimit(config.chatPerSecond(), System.nanoTime()));
    if (!rate.tryAcquire(System.nanoTime())) {
      replies.error(session, ErrorCode.RATE_LIMITED, "too many chat messages; slow down", m.id());
      return;
    }
    toStore(
        session,
        m.id(),
        () -> {
          MessageStore.Appended a;
          try {
            a = messages.append(session.user(), m.to(), m.text(), m.clientMsgId(), clock.instant());
          } catch (RuntimeException e) {
            LOG.error("could not store a chat message from session {}", session.id(), e);
            replies.error(session, ErrorCode.INTERNAL, "message not stored; retry", m.id());
            return;
          }
          StoredMessage s = a.message();
          replies.send(
              session,
              new ServerMessage.ChatSent(
                  m.clientMsgId(), s.msgId(), s.ts().toEpochMilli(), m.id()));
          if (a.created()) {
            ServerMessage msg = chatMessage(s);
            for (Session r : sessions.ofUser(s.to())) {
              if (r.backlogOpen()) {
                // Older stored messages are still to come to this session: this one is held to
                // follow them in a backlog round. A round waiting for an ack that cannot come
                // (nothing unacked: the last round failed, or found only messages being marked)
                // runs now.
                if (!r.hold(msg, s.msgId())) {
                  replies.overflowed(r);
                } else if (r.pending() == 0 && r.takeStoredPending()) {
                  deliverStored(r);
                }
              } else if (!r.enqueue(msg, s.msgId())) {
                replies.overflowed(r);
              }
            }
            // The sender's other devices show the conversation too (no delivery tracking).
            router.send(Outgoing.toUserExcept(session.user(), session.id(), msg));
          }
        });
  }

  /** {@code chat.read}: marks a message to this user read and tells its sender. */
  void read(Session session, ClientMessage.ChatRead m) {
    toStore(
        session,
        m.id(),
        () -> {
          try {
            Optional<StoredMessage> found = messages.find(m.msgId());
            if (found.isEmpty() || !found.get().to().equals(session.user())) {
              replies.error(session, ErrorCode.NOT_FOUND, "no such message to you", m.id());
              return;
            }
            if (messages.markRead(m.msgId(), session.user(), clock.instant())) {
              router.send(
                  Outgoing.toUser(
                      found.get().from(),
                      new ServerMessage.ChatReceipt(m.msgId(), "read", session.user())));
            }
          } catch (RuntimeException e) { // the database failed: say so, as chat.send does
            LOG.error("could not mark message {} read for session {}", m.msgId(), session.id(), e);
            replies.error(session, ErrorCode.INTERNAL, "read receipt not stored; retry", m.id());
          }
        });
  }

  /**
   * Runs a client request's store work; once the store has stopped (the server is stopping) the
   * work is dropped (see Switchboard.dropWhenStopped) and the client told so.
   */
  private void toStore(Session session, String re, Runnable work) {
    if (store.submit(work).isCancelled()) {
      replies.error(session, ErrorCode.INTERNAL, "server shutting down", re);
    }
  }

  /** Frames the client acked: chat messages among them count as delivered. */
  void delivered(Session session, List<Frame> acked) {
    for (Frame f : acked) {
      if (f.chatMsgId() > 0) {
        long id = f.chatMsgId();
        store.execute(
            () -> {
              try {
                markDelivered(session, id);
              } catch (RuntimeException e) {
                // Still undelivered in the store, and still in the session's set, so this session
                // never gets it twice; the retry (or an earlier backlog round) marks it again, and
                // until then a later session would get it again.
                LOG.error("could not mark message {} delivered", id, e);
                session.ackedUnmarked(id);
                retryStoredLater(session, 1);
              }
            });
      }
    }
    // Room was made: more of a backlog of stored messages, after those just marked delivered.
    if (!acked.isEmpty() && session.takeStoredPending()) {
      store.execute(() -> deliverStored(session));
    }
  }

  /** Store thread: marks a chat message delivered and, the first time, tells its sender. */
  private void markDelivered(Session session, long id) {
    boolean first = messages.markDelivered(id, clock.instant());
    // Marked (now or before): no later backlog round reads it as undelivered.
    session.chatDelivered(id);
    if (first) {
      messages
          .find(id)
          .ifPresent(
              s ->
                  router.send(
                      Outgoing.toUser(
                          s.from(), new ServerMessage.ChatReceipt(id, "delivered", s.to()))));
    }
  }

  /**
   * Store thread: messages stored while the user was offline, oldest first, as many as half the
   * outbox takes; the rest follow as the client acknowledges (see {@link #delivered}), or, when
   * nothing is left to acknowledge, as a new message for the user comes. Until a round finds no
   * more, new messages for the session are held and come in rounds too, after the older ones (see
   * {@link Session#backlogOpen()}).
   */
  private void deliverStored(Session session) {
    deliverStored(session, 0);
  }

  /**
   * @param again rounds started in a row that queued nothing (every row read was queued already)
   */
  private void deliverStored(Session session, int again) {
    try {
      markAcked(session);
      List<StoredMessage> batch = messages.undelivered(session.user(), OFFLINE_BATCH);
      boolean more = batch.size() == OFFLINE_BATCH;
      // In store order: the rows read and the live messages held for this session (which another
      // session may have marked delivered since); past a full batch, held ones wait for the next.
      long upTo = more ? batch.get(batch.size() - 1).msgId() : Long.MAX_VALUE;
      java.util.SortedMap<Long, ServerMessage> round = session.held(upTo);
      for (StoredMessage s : batch) {
        round.put(s.msgId(), chatMessage(s));
      }
      int queued = 0;
      for (Map.Entry<Long, ServerMessage> m : round.entrySet()) {
        Session.Stored r = session.enqueueStored(m.getValue(), m.getKey());
        if (r == Session.Stored.NO_ROOM) {
          more = true;
          break;
        }
        if (r == Session.Stored.QUEUED) {
          queued++;
        }
      }
      session.storeSucceeded();
      session.storedPending(more && !session.ended());
      session.backlogOpen(more);
      // Acks that emptied the outbox while this round ran found nothing pending, and no ack is
      // left to start the next round: start it now, after the marks those acks queued on this
      // thread. A round that queued nothing may find only rows queued already (their marks still
      // to come): a few times in a row, then the retry timer.
      if (more && session.pending() == 0 && session.takeStoredPending()) {
        if (queued > 0 || again < 3) {
          int next = queued > 0 ? 0 : again + 1;
          store.execute(() -> deliverStored(session, next));
        } else {
          session.storedPending(true);
          retryStoredLater(session, 1);
        }
      }
    } catch (RuntimeException e) {
      // The next ack, a new message for the user or the retry tries again, whichever comes first.
      session.storedPending(!session.ended());
      storeFailed(session, e);
    }
  }

  /** Store thread: marks delivered what the client acked while the store failed. */
  private void markAcked(Session session) {
    List<Long> unmarked = session.takeAckedUnmarked();
    for (int i = 0; i < unmarked.size(); i++) {
      try {
        markDelivered(session, unmarked.get(i));
      } catch (RuntimeException e) {
        unmarked.subList(i, unmarked.size()).forEach(session::ackedUnmarked);
        throw e;
      }
    }
  }

  /** Store thread: backlog work for the session failed; logs it and schedules the retry. */
  private void storeFailed(Session session, RuntimeException e) {
    int failures = session.storeFailed();
    if (failures == 1) {
      LOG.error("could not deliver stored messages to session {}", session.id(), e);
    } else {
      LOG.warn(
          "could not deliver stored messages to session {} ({} times in a row): {}",
          session.id(),
          failures,
          e.toString());
    }
    retryStoredLater(session, failures);
  }

  /** Store thread, from the retry timer: a backlog round if one waits, else the marks left. */
  private void retryStored(Session session) {
    if (session.takeStoredPending()) {
      deliverStored(session); // marks first
      return;
    }
    try {
      markAcked(session);
      session.storeSucceeded();
    } catch (RuntimeException e) {
      storeFailed(session, e);
    }
  }

  /**
   * Store thread: the last backlog round or delivery mark failed, or a round stalled; the retry
   * runs after 5 s, 10, 20, 40, then every 60 s while failures go on (an ack or a new message may
   * start a round first). Without it a client with nothing to ack would get its stored messages
   * only when it reconnects, and senders would never hear of deliveries acked while the store
   * failed. One timer per session at most.
   */
  private void retryStoredLater(Session session, int failures) {
    if (!session.claimRetry()) {
      return;
    }
    long seconds = Math.min(60, 5L << Math.min(Math.max(failures, 1) - 1, 4));
    var unused =
        loop.schedule(
            () -> {
              session.retryFired();
              if (!session.ended()) {
                store.execute(() -> retryStored(session));
              }
            },
            seconds,
            TimeUnit.SECONDS);
  }

  private static ServerMessage chatMessage(StoredMessage s) {
    return new ServerMessage.ChatMessage(
        s.msgId(), s.from(), s.to(), s.text(), s.ts().toEpochMilli());
  }

  /**
   * True when a string has no unpaired surrogates (so it encodes to valid UTF-8) and no NUL (which
   * PostgreSQL text refuses).
   */
  static boolean wellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c) || c == '\u0000') {
        return false;
      }
    }
    return true;
  }
}
