package dev.duet.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An instant message as stored.
 *
 * @param msgId the server's id; grows in the order messages were stored
 * @param from the sender's user id
 * @param to the recipient's user id
 * @param text the message text
 * @param clientMsgId the sender's id for the message, unique per sender
 * @param ts when the server accepted the message
 * @param deliveredAt when a session of the recipient received it, if it has
 * @param readAt when the recipient read it, if they have
 */
public record StoredMessage(
    long msgId,
    String from,
    String to,
    String text,
    String clientMsgId,
    Instant ts,
    Optional<Instant> deliveredAt,
    Optional<Instant> readAt) {

  public StoredMessage {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(clientMsgId, "clientMsgId");
    Objects.requireNonNull(ts, "ts");
    Objects.requireNonNull(deliveredAt, "deliveredAt");
    Objects.requireNonNull(readAt, "readAt");
  }

  /** Whether a session of the recipient has received the message. */
  public boolean delivered() {
    return deliveredAt.isPresent();
  }

  /** Whether the recipient has read the message. */
  public boolean read() {
    return readAt.isPresent();
  }
}
