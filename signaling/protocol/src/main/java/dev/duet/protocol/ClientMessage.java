package dev.duet.protocol;

/**
 * A message a client sends to the server. Every client message may carry an {@code id}, which the
 * server echoes as {@code re} in its direct reply or error.
 *
 * <p>Fields marked {@link Opt} may be absent on the wire; every other field is required, and a
 * message lacking one is answered with {@code error} {@link ErrorCode#BAD_REQUEST}.
 */
public sealed interface ClientMessage extends Message {

  /** The client's correlation id, or null when the client sent none. */
  String id();

  /** Cumulative acknowledgement: every server message with {@code seq <= seq} was received. */
  record Ack(@Opt String id, Long seq) implements ClientMessage {}

  /** Application-level heartbeat; answered with {@code pong}. */
  record Ping(@Opt String id) implements ClientMessage {}

  /** Starts a call to {@code to}. {@code callId} is a UUID made by the caller. */
  record CallInvite(@Opt String id, String callId, String to, @Opt Boolean record)
      implements ClientMessage {}

  /** A callee device reports that it is ringing; the caller is told {@code call.ringing}. */
  record CallRinging(@Opt String id, String callId) implements ClientMessage {}

  /** A callee device accepts the call; the callee's other devices stop ringing. */
  record CallAccept(@Opt String id, String callId) implements ClientMessage {}

  /** A callee device declines the call. */
  record CallReject(@Opt String id, String callId) implements ClientMessage {}

  /** Ends the call; before it is accepted this cancels it. */
  record CallHangup(@Opt String id, String callId, @Opt String reason) implements ClientMessage {}

  /** An SDP offer for the other party of the call (or, on the relay path, for the server). */
  record SdpOffer(@Opt String id, String callId, String sdp) implements ClientMessage {}

  /** An SDP answer for the other party of the call. */
  record SdpAnswer(@Opt String id, String callId, String sdp) implements ClientMessage {}

  /** A trickled ICE candidate; a null {@code candidate} means end of candidates. */
  record IceCandidate(@Opt String id, String callId, @Opt Candidate candidate)
      implements ClientMessage {}

  /** Peer-to-peer media failed for good: ask for the media relay. */
  record CallRelay(@Opt String id, String callId, @Opt String reason) implements ClientMessage {}

  /** Sends an instant message; {@code clientMsgId} makes re-sends idempotent. */
  record ChatSend(@Opt String id, String to, String text, String clientMsgId)
      implements ClientMessage {}

  /** Marks a received instant message as read; its sender gets a read receipt. */
  record ChatRead(@Opt String id, Long msgId) implements ClientMessage {}
}
