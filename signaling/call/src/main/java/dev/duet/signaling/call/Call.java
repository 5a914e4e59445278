package dev.duet.signaling.call;

import dev.duet.protocol.EndReason;
import java.time.Instant;
import java.util.Optional;

/**
 * An immutable snapshot of one call, as the call record stores it.
 *
 * @param callee the callee user
 * @param calleeSession the callee device that accepted, once one did
 */
public record Call(
    String callId,
    Party caller,
    String callee,
    Optional<String> calleeSession,
    CallState state,
    boolean record,
    MediaPath path,
    Instant createdAt,
    Optional<Instant> answeredAt,
    Optional<Instant> endedAt,
    Optional<EndReason> endReason,
    Optional<Instant> pathSwitchedAt) {

  /** True when {@code user} is the caller or the callee. */
  public boolean involves(String user) {
    return caller.user().equals(user) || callee.equals(user);
  }

  /** The callee as a party, once a device accepted. */
  public Optional<Party> calleeParty() {
    return calleeSession.map(s -> new Party(callee, s));
  }

  /** The user on the other side of {@code user}. */
  public String peerOf(String user) {
    return caller.user().equals(user) ? callee : caller.user();
  }
}
