package dev.duet.protocol;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The registry of server message types: wire name to record. */
public enum ServerType {
  WELCOME("welcome", ServerMessage.Welcome.class),
  PONG("pong", ServerMessage.Pong.class),
  ERROR("error", ServerMessage.Error.class),
  CALL_INCOMING("call.incoming", ServerMessage.CallIncoming.class),
  CALL_RINGING("call.ringing", ServerMessage.CallRinging.class),
  CALL_ACCEPTED("call.accepted", ServerMessage.CallAccepted.class),
  CALL_ENDED("call.ended", ServerMessage.CallEnded.class),
  CALL_MEDIA("call.media", ServerMessage.CallMedia.class),
  SDP_OFFER("sdp.offer", ServerMessage.SdpOffer.class),
  SDP_ANSWER("sdp.answer", ServerMessage.SdpAnswer.class),
  ICE_CANDIDATE("ice.candidate", ServerMessage.IceCandidate.class),
  CHAT_MESSAGE("chat.message", ServerMessage.ChatMessage.class),
  CHAT_SENT("chat.sent", ServerMessage.ChatSent.class),
  CHAT_RECEIPT("chat.receipt", ServerMessage.ChatReceipt.class),
  PRESENCE("presence", ServerMessage.Presence.class);

  private static final Map<String, ServerType> BY_WIRE = new HashMap<>();
  private static final Map<Class<?>, ServerType> BY_CLASS = new HashMap<>();

  static {
    for (ServerType t : values()) {
      BY_WIRE.put(t.wire, t);
      BY_CLASS.put(t.type, t);
    }
  }

  private final String wire;
  private final Class<? extends ServerMessage> type;

  ServerType(String wire, Class<? extends ServerMessage> type) {
    this.wire = wire;
    this.type = type;
  }

  /** The {@code type} value on the wire. */
  public String wire() {
    return wire;
  }

  /** The record class. */
  public Class<? extends ServerMessage> type() {
    return type;
  }

  public static Optional<ServerType> ofWire(String wire) {
    return Optional.ofNullable(BY_WIRE.get(wire));
  }

  public static ServerType of(ServerMessage message) {
    return BY_CLASS.get(message.getClass());
  }
}
