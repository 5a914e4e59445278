package dev.duet.signaling.call;

import dev.duet.protocol.ServerMessage;
import java.util.Optional;

/**
 * A message the call logic wants sent. The shell delivers it; the call logic never does I/O.
 *
 * @param session the one session to send to, or empty to send to every session of {@code user}
 * @param user the user the message is for
 * @param except with {@code session} empty: a session of {@code user} that is left out
 */
public record Outgoing(
    String user, Optional<String> session, Optional<String> except, ServerMessage message) {

  /** To one session. */
  public static Outgoing to(Party party, ServerMessage message) {
    return new Outgoing(party.user(), Optional.of(party.session()), Optional.empty(), message);
  }

  /** To every session of a user. */
  public static Outgoing toUser(String user, ServerMessage message) {
    return new Outgoing(user, Optional.empty(), Optional.empty(), message);
  }

  /** To every session of a user but one. */
  public static Outgoing toUserExcept(String user, String exceptSession, ServerMessage message) {
    return new Outgoing(user, Optional.empty(), Optional.of(exceptSession), message);
  }
}
