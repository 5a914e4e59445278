package dev.duet.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Instant messages between users: stored once, delivered until acknowledged, read by the recipient,
 * kept as history.
 *
 * <p>Implementations are thread-safe. Every {@code limit} must be at least 1.
 */
public interface MessageStore {

  /**
   * Stores a message; idempotent on (from, clientMsgId): a re-send returns the first stored message
   * and {@code created()==false}, whatever its {@code to}, {@code text} and {@code ts}. Two
   * concurrent appends with the same (from, clientMsgId) store one row; both return it, exactly one
   * with {@code created()==true}.
   *
   * @param ts when the server accepted the message; stored to the millisecond
   */
  Appended append(String from, String to, String text, String clientMsgId, Instant ts);

  /**
   * The outcome of {@link #append}.
   *
   * @param message the stored message (the first one stored, for a re-send)
   * @param created true when this call stored it, false when it was a re-send
   */
  record Appended(StoredMessage message, boolean created) {
    public Appended {
      Objects.requireNonNull(message, "message");
    }
  }

  /** Messages to {@code recipient} not yet delivered, oldest first (msgId order), at most limit. */
  List<StoredMessage> undelivered(String recipient, int limit);

  /** Marks delivered if not yet; true when this call changed it (false too when no such id). */
  boolean markDelivered(long msgId, Instant at);

  /**
   * Marks read (and delivered, at the same instant, if it was not) if {@code reader} is the
   * recipient and it was not read; true when changed. A reader who is not the recipient changes
   * nothing and gets false.
   */
  boolean markRead(long msgId, String reader, Instant at);

  Optional<StoredMessage> find(long msgId);

  /**
   * The conversation between {@code user} and {@code with} (both directions), newest first, msgId
   * &lt; before (if present), at most limit. The next page is {@code before = last().msgId()}.
   */
  List<StoredMessage> conversation(String user, String with, OptionalLong before, int limit);

  /**
   * Users {@code user} exchanged messages with (sent to or received from), most recent message
   * first, each once, at most limit.
   */
  List<String> correspondents(String user, int limit);
}
