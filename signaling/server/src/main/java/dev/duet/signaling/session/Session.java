package dev.duet.signaling.session;

import dev.duet.protocol.Codec;
import dev.duet.protocol.ServerMessage;
import dev.duet.signaling.auth.Principal;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * A logged-in client's session: an ordered outbox of numbered server messages that stays until the
 * client acknowledges them, and the link (transport connection) currently attached, if any.
 *
 * <p>Messages get seq 1, 2, 3, ... in the order they are enqueued. A client acks cumulatively;
 * acked frames leave the outbox. When a link attaches with {@code lastSeq = n}, everything after n
 * is sent again, in order: that is how a dropped client resumes without loss or duplicates.
 *
 * <p>Threading: every method is safe to call from any thread; state is guarded by the session's
 * monitor, held only for in-memory work. {@link Link#wake()} is called after the monitor is
 * released.
 */
public final class Session {
  private final String id;
  private final Principal principal;
  private final int maxOutbox;
  private final long maxOutboxBytes;
  // Told how long each frame waited in the outbox before a link first took it (nanoseconds).
  private final java.util.function.LongConsumer firstSendDelay;
  private long outboxBytes; // the frames' text lengths: what a client that never acks makes us hold
  // The chat messages (store ids) queued in this session, live or from the store, until the store
  // has marked them delivered ({@link #chatDelivered}): none goes in twice, even when a backlog
  // round reads the store between an ack and its mark.
  private final java.util.Set<Long> chatIdsQueued = new java.util.HashSet<>();
  private boolean storedPending; // stored chat messages wait for room in the outbox
  // Chat stored for this user may still wait in the store, older than anything sent now: live chat
  // then waits behind it (held, for a backlog round to bring), so messages arrive in the order
  // stored. True until a round finds nothing more; set and read on the store thread.
  private boolean backlogOpen = true;
  // Live chat held back behind the backlog, by store id. Kept here, not re-read from the store:
  // another session of the user may mark a message delivered before this one's round reads it.
  // Null until needed: most sessions never hold one (an idle session's size counts).
  private java.util.TreeMap<Long, Held> held;
  private long heldBytes; // their encoded lengths: held within the outbox's budget too
  // Chat the client acked that the store failed to mark delivered: marked again before the next
  // backlog round, which would otherwise read the same rows again and again.
  private java.util.Set<Long> ackedUnmarked; // null until needed
  private int storeFailures; // backlog rounds or delivery marks failed in a row (the store)
  private boolean retryPending; // a timer will start the next backlog round
  private final Deque<Frame> outbox = new ArrayDeque<>();
  private long lastSeq;
  private long sentUpTo;
  private long highestSent; // the highest seq ever handed to a link: acks go no further
  private String resumeToken; // the newest, sent in the latest welcome
  // The token the latest resume was made with. It stays valid until the client shows it got the
  // welcome carrying the newest (a WebSocket frame on the resumed link, or a resume with the
  // newest), at most until previousUntil: a welcome lost with its connection must not cost the
  // session. Null when none.
  private String previousToken;
  private Instant previousUntil;
  private Link link;
  private Instant detachedAt;
  private final Instant createdAt;
  private boolean ended;

  Session(
      String id,
      Principal principal,
      String resumeToken,
      int maxOutbox,
      long maxOutboxBytes,
      java.util.function.LongConsumer firstSendDelay,
      Instant now) {
    this.id = id;
    this.principal = principal;
    this.resumeToken = resumeToken;
    this.maxOutbox = maxOutbox;
    this.maxOutboxBytes = maxOutboxBytes;
    this.firstSendDelay = firstSendDelay;
    this.detachedAt = now;
    this.createdAt = now;
  }

  /** When the session was opened. */
  public Instant createdAt() {
    return createdAt;
  }

  public String id() {
    return id;
  }

  public String user() {
    return principal.user();
  }

  public Principal principal() {
    return principal;
  }

  public synchronized String resumeToken() {
    return resumeToken;
  }

  /**
   * The tokens indexed for this session: the newest, and the one the latest resume was made with
   * until it is spent (past its deadline it is indexed but no longer resumes).
   */
  synchronized List<String> resumeTokens() {
    return previousToken == null ? List.of(resumeToken) : List.of(resumeToken, previousToken);
  }

  /**
   * The result of {@link #resume}.
   *
   * @param attached what attaching the link did
   * @param token the new resume token, for the welcome sent on that link
   * @param spent tokens that no longer resume this session
   */
  public record Resumed(Attached attached, String token, List<String> spent) {}

  /**
   * Resumes the session with {@code presented}, one of its {@link #resumeTokens}: {@code next}
   * becomes the newest token and {@code newLink} is attached, in one step, so the link attached
   * last always carries the newest token. {@code presented} stays valid until {@link
   * #confirmResumeToken} or {@code now + previousLife}. {@code tokensChanged} runs under the
   * session's monitor with the result, so an index of tokens kept beside the session never misses
   * or keeps one. Empty, and nothing done, when the session has ended or the token is not one of
   * its own.
   */
  Optional<Resumed> resume(
      String presented,
      String next,
      Link newLink,
      long lastSeqSeen,
      Instant now,
      java.time.Duration previousLife,
      java.util.function.Consumer<Resumed> tokensChanged) {
    Resumed r;
    synchronized (this) {
      if (ended) {
        return Optional.empty();
      }
      List<String> spent = new ArrayList<>(1);
      if (presented.equals(resumeToken)) {
        if (previousToken != null) {
          spent.add(previousToken); // the client has the newest: the one before is done
        }
        previousToken = presented;
        previousUntil = now.plus(previousLife);
      } else if (presented.equals(previousToken) && now.isBefore(previousUntil)) {
        // The welcome that carried the newest never reached the client. The presented token keeps
        // its deadline: using it again does not make it live longer.
        spent.add(resumeToken);
      } else {
        return Optional.empty();
      }
      resumeToken = next;
      r = new Resumed(attachLocked(newLink, lastSeqSeen), next, List.copyOf(spent));
      tokensChanged.accept(r);
    }
    newLink.wake();
    return Optional.of(r);
  }

  /**
   * A frame came on {@code by}: if {@code by} is the attached link, the client got its welcome with
   * the newest token, and the token it resumed with is spent (returned).
   */
  synchronized Optional<String> confirmResumeToken(Link by) {
    if (link != by || previousToken == null) {
      return Optional.empty();
    }
    String spent = previousToken;
    previousToken = null;
    return Optional.of(spent);
  }

  /**
   * Appends a message to the outbox and wakes the link.
   *
   * @return false when the outbox is full (the session must end) or the session has ended
   */
  public boolean enqueue(ServerMessage message) {
    return enqueue(message, 0);
  }

  /** As {@link #enqueue(ServerMessage)}, for a frame that delivers stored chat message. */
  public boolean enqueue(ServerMessage message, long chatMsgId) {
    Link toWake;
    synchronized (this) {
      if (ended) {
        return false;
      }
      if (chatMsgId > 0 && chatIdsQueued.contains(chatMsgId)) {
        return true; // queued already (from the store, a moment before it was sent live)
      }
      if (outbox.size() >= maxOutbox) {
        return false;
      }
      long seq = lastSeq + 1;
      String json = Codec.encode(seq, message);
      if (outboxBytes + json.length() > maxOutboxBytes) {
        return false;
      }
      toWake = appendLocked(seq, json, chatMsgId);
    }
    wake(toWake);
    return true;
  }

  /** Puts a frame at the end of the outbox and counts it; returns the link to wake. */
  private Link appendLocked(long seq, String json, long chatMsgId) {
    lastSeq = seq;
    outboxBytes += json.length();
    outbox.addLast(new Frame(seq, json, chatMsgId, System.nanoTime()));
    if (chatMsgId > 0) {
      chatIdsQueued.add(chatMsgId);
    }
    return link;
  }

  /** Outside the monitor: frames wait for {@code l}, if a link is attached. */
  private static void wake(Link l) {
    if (l != null) {
      l.wake();
    }
  }

  /** What {@link #enqueueStored} did. */
  public enum Stored {
    QUEUED,
    ALREADY_QUEUED,
    NO_ROOM
  }

  /**
   * Queues a chat message from the store (sent while the user was away), unless it is queued in
   * this session already, or queueing it would fill more than half the outbox (by count or size):
   * the other half stays for live traffic, so a backlog never overflows the session.
   */
  public Stored enqueueStored(ServerMessage message, long msgId) {
    Link toWake;
    synchronized (this) {
      if (chatIdsQueued.contains(msgId)) {
        unhold(msgId);
        return Stored.ALREADY_QUEUED;
      }
      long seq = lastSeq + 1;
      String json = Codec.encode(seq, message);
      // Half the outbox, but always one frame into an empty outbox (a tiny configured one, or a
      // frame over half the budget, never stalls the backlog).
      boolean room =
          outbox.isEmpty()
              ? json.length() <= maxOutboxBytes
              : outbox.size() + 1 <= Math.max(1, maxOutbox / 2)
                  && outboxBytes + json.length() <= maxOutboxBytes / 2;
      if (ended || !room) {
        return Stored.NO_ROOM;
      }
      toWake = appendLocked(seq, json, msgId);
      unhold(msgId);
    }
    wake(toWake);
    return Stored.QUEUED;
  }

  /** A chat message held back, with its encoded length (as it would stand in the outbox). */
  private record Held(ServerMessage message, int bytes) {}

  /**
   * Holds a live chat message back behind the backlog (see {@link #backlogOpen()}) until a round
   * queues it with {@link #enqueueStored}.
   *
   * @return false when as many are held, by count or size, as the outbox takes (the session must
   *     end) or the session has ended
   */
  public synchronized boolean hold(ServerMessage message, long msgId) {
    if (ended) {
      return false;
    }
    int bytes = Codec.encode(lastSeq + 1, message).length();
    if ((held != null && held.size() >= maxOutbox) || heldBytes + bytes > maxOutboxBytes) {
      return false;
    }
    if (held == null) {
      held = new java.util.TreeMap<>();
    }
    Held before = held.put(msgId, new Held(message, bytes));
    heldBytes += bytes - (before == null ? 0 : before.bytes());
    return true;
  }

  private void unhold(long msgId) {
    if (held != null) {
      Held h = held.remove(msgId);
      if (h != null) {
        heldBytes -= h.bytes();
      }
      if (held.isEmpty()) {
        held = null;
      }
    }
  }

  /** The live chat messages held back, up to store id {@code upTo}, in store order (a copy). */
  public synchronized java.util.SortedMap<Long, ServerMessage> held(long upTo) {
    java.util.SortedMap<Long, ServerMessage> out = new java.util.TreeMap<>();
    if (held != null) {
      held.headMap(upTo, true).forEach((id, h) -> out.put(id, h.message()));
    }
    return out;
  }

  /** The store has marked chat message {@code msgId} delivered: it can no longer come twice. */
  public synchronized void chatDelivered(long msgId) {
    chatIdsQueued.remove(msgId);
  }

  /** Notes whether stored chat messages still wait for room (see {@link #enqueueStored}). */
  public synchronized void storedPending(boolean pending) {
    storedPending = pending;
  }

  /** Notes whether stored chat messages may still be in the store (see {@link #backlogOpen()}). */
  public synchronized void backlogOpen(boolean open) {
    backlogOpen = open;
  }

  /**
   * Whether chat stored for this user may still be in the store, not yet queued here: a chat sent
   * now must follow it, so it is not queued live.
   */
  public synchronized boolean backlogOpen() {
    return backlogOpen;
  }

  /** The client acked chat message {@code msgId}, but the store could not mark it delivered. */
  public synchronized void ackedUnmarked(long msgId) {
    if (!ended) {
      if (ackedUnmarked == null) {
        ackedUnmarked = new java.util.HashSet<>();
      }
      ackedUnmarked.add(msgId);
    }
  }

  /** The acked messages still to mark delivered (see {@link #ackedUnmarked(long)}); clears them. */
  public synchronized List<Long> takeAckedUnmarked() {
    List<Long> ids = ackedUnmarked == null ? new ArrayList<>() : new ArrayList<>(ackedUnmarked);
    ackedUnmarked = null;
    return ids;
  }

  /** Store work for this session's chat (a backlog round, marks) failed; how often in a row. */
  public synchronized int storeFailed() {
    return ++storeFailures;
  }

  /** Store work for this session's chat went through. */
  public synchronized void storeSucceeded() {
    storeFailures = 0;
  }

  /** Claims the one retry timer a session may have; false when one is pending already. */
  public synchronized boolean claimRetry() {
    if (retryPending || ended) {
      return false;
    }
    retryPending = true;
    return true;
  }

  /** The retry timer fired. */
  public synchronized void retryFired() {
    retryPending = false;
  }

  /** Whether stored chat messages waited for room; clears it (one delivery round at a time). */
  public synchronized boolean takeStoredPending() {
    boolean was = storedPending;
    storedPending = false;
    return was;
  }

  /**
   * Cumulative acknowledgement. Acks beyond the highest seq ever sent are clamped to it.
   *
   * @return the frames that left the outbox (for delivery receipts)
   */
  public List<Frame> ack(long seq) {
    synchronized (this) {
      // A client cannot have seen a frame never sent to it: acking one would drop it unseen
      // (and report its chat message delivered).
      long upTo = Math.min(seq, highestSent);
      List<Frame> acked = new ArrayList<>();
      while (!outbox.isEmpty() && outbox.peekFirst().seq() <= upTo) {
        Frame f = outbox.pollFirst();
        outboxBytes -= f.json().length();
        acked.add(f);
      }
      return acked;
    }
  }

  /**
   * Attaches a link, replacing the one attached (returned, for the caller to close). The link is
   * sent every frame after {@code lastSeq}; frames up to {@code lastSeq} count as acked.
   */
  public Attached attach(Link newLink, long lastSeqSeen) {
    Attached a;
    synchronized (this) {
      a = attachLocked(newLink, lastSeqSeen);
    }
    newLink.wake();
    return a;
  }

  private Attached attachLocked(Link newLink, long lastSeqSeen) {
    List<Frame> acked = ack(lastSeqSeen);
    Link old = link == newLink ? null : link;
    link = newLink;
    detachedAt = null;
    sentUpTo = Math.max(0, Math.min(lastSeqSeen, highestSent));
    if (!outbox.isEmpty()) {
      sentUpTo = Math.min(sentUpTo, outbox.peekFirst().seq() - 1);
    }
    return new Attached(Optional.ofNullable(old), acked);
  }

  /** The result of {@link #attach}: the link it replaced and the frames it acked. */
  public record Attached(Optional<Link> replaced, List<Frame> acked) {}

  /**
   * Detaches {@code from} if it is the attached link; the session then waits for a resume.
   *
   * @return true when {@code from} was attached
   */
  public boolean detach(Link from, Instant now) {
    synchronized (this) {
      if (link != from) {
        return false;
      }
      link = null;
      detachedAt = now;
      return true;
    }
  }

  /** The next frame the link should send, or empty when it is up to date or not attached. */
  public Optional<Frame> nextFrame(Link by) {
    synchronized (this) {
      if (link != by) {
        return Optional.empty();
      }
      for (Frame f : outbox) {
        if (f.seq() > sentUpTo) {
          sentUpTo = f.seq();
          handedOut(f);
          return Optional.of(f);
        }
      }
      return Optional.empty();
    }
  }

  /** Every frame after {@code after} still in the outbox (polling transports). */
  public List<Frame> framesAfter(Link by, long after) {
    synchronized (this) {
      List<Frame> out = new ArrayList<>();
      if (link != by) {
        return out;
      }
      for (Frame f : outbox) {
        if (f.seq() > after) {
          out.add(f);
          sentUpTo = Math.max(sentUpTo, f.seq());
          handedOut(f);
        }
      }
      return out;
    }
  }

  /** A link takes {@code f} to send: the first time, its wait in the outbox is measured. */
  private void handedOut(Frame f) {
    if (f.seq() > highestSent) {
      highestSent = f.seq();
      firstSendDelay.accept(System.nanoTime() - f.queuedNanos());
    }
  }

  /** The attached link, if any. */
  public synchronized Optional<Link> link() {
    return Optional.ofNullable(link);
  }

  /** When the session lost its link, or empty while attached. */
  public synchronized Optional<Instant> detachedSince() {
    return Optional.ofNullable(detachedAt);
  }

  /** The highest seq given so far. */
  public synchronized long lastSeq() {
    return lastSeq;
  }

  /** Frames not yet acked. */
  public synchronized int pending() {
    return outbox.size();
  }

  /** Marks the session ended and returns the link to close, if any. */
  synchronized Optional<Link> end() {
    ended = true;
    Link l = link;
    link = null;
    outbox.clear();
    outboxBytes = 0;
    chatIdsQueued.clear();
    held = null;
    heldBytes = 0;
    ackedUnmarked = null;
    return Optional.ofNullable(l);
  }

  public synchronized boolean ended() {
    return ended;
  }
}
