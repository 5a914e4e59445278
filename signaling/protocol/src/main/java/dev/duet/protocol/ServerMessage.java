package dev.duet.protocol;

import java.util.List;

/**
 * A message the server sends to a client. On the wire every server message also carries {@code
 * seq}, its position in the session's outbox (1, 2, 3, ...); the records leave it out because the
 * outbox, not the sender, numbers messages. See {@link Sequenced}.
 */
public sealed interface ServerMessage extends Message {

  /**
   * First message of every connection: the session, the token to resume it, ICE servers with
   * short-lived TURN credentials, and the limits the server enforces.
   */
  record Welcome(
      String sessionId,
      String resumeToken,
      String user,
      Integer protocol,
      Boolean resumed,
      Long heartbeatMs,
      Long resumeGraceMs,
      List<IceServer> iceServers,
      Limits limits)
      implements ServerMessage {}

  /** Answer to {@code ping}. */
  record Pong(@Opt String re) implements ServerMessage {}

  /** A client mistake or a refusal. {@code re} is the {@code id} of the message it answers. */
  record Error(String code, String message, @Opt String re) implements ServerMessage {
    public static Error of(ErrorCode code, String message, String re) {
      return new Error(code.wire(), message, re);
    }
  }

  /** Someone is calling: ring. */
  record CallIncoming(String callId, String from, Boolean record) implements ServerMessage {}

  /** The callee's device is ringing. */
  record CallRinging(String callId) implements ServerMessage {}

  /**
   * The call was accepted; media negotiation may start (the caller offers, the callee is the polite
   * peer). {@code caller} and {@code callee} name the parties, so a client that lost a glare learns
   * which call it is now in.
   */
  record CallAccepted(String callId, String caller, String callee, @Opt String path)
      implements ServerMessage {}

  /** The call is over; {@code reason} is one of {@link EndReason}. Both parties get the same. */
  record CallEnded(String callId, String reason) implements ServerMessage {}

  /** The media path of the call: {@code p2p} or {@code relay}. */
  record CallMedia(String callId, String path) implements ServerMessage {}

  /** An SDP offer from the other party ({@code from}) of the call. */
  record SdpOffer(String callId, String sdp, String from) implements ServerMessage {}

  /** An SDP answer from the other party ({@code from}) of the call. */
  record SdpAnswer(String callId, String sdp, String from) implements ServerMessage {}

  /** A trickled ICE candidate from {@code from}; null {@code candidate} ends the candidates. */
  record IceCandidate(String callId, @Opt Candidate candidate, String from)
      implements ServerMessage {}

  /** An instant message, stored before it was sent. */
  record ChatMessage(Long msgId, String from, String to, String text, Long ts)
      implements ServerMessage {}

  /** The sender's confirmation that its message was stored under {@code msgId}. */
  record ChatSent(String clientMsgId, Long msgId, Long ts, @Opt String re)
      implements ServerMessage {}

  /** Delivery or read receipt for a message the client sent. */
  record ChatReceipt(Long msgId, String status, @Opt String by) implements ServerMessage {}

  /** A user the client shares a call or conversation with went online or offline. */
  record Presence(String user, Boolean online) implements ServerMessage {}
}
