package dev.duet.protocol;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The registry of client message types: wire name to record. */
public enum ClientType {
  ACK("ack", ClientMessage.Ack.class),
  PING("ping", ClientMessage.Ping.class),
  CALL_INVITE("call.invite", ClientMessage.CallInvite.class),
  CALL_RINGING("call.ringing", ClientMessage.CallRinging.class),
  CALL_ACCEPT("call.accept", ClientMessage.CallAccept.class),
  CALL_REJECT("call.reject", ClientMessage.CallReject.class),
  CALL_HANGUP("call.hangup", ClientMessage.CallHangup.class),
  SDP_OFFER("sdp.offer", ClientMessage.SdpOffer.class),
  SDP_ANSWER("sdp.answer", ClientMessage.SdpAnswer.class),
  ICE_CANDIDATE("ice.candidate", ClientMessage.IceCandidate.class),
  CALL_RELAY("call.relay", ClientMessage.CallRelay.class),
  CHAT_SEND("chat.send", ClientMessage.ChatSend.class),
  CHAT_READ("chat.read", ClientMessage.ChatRead.class);

  private static final Map<String, ClientType> BY_WIRE = new HashMap<>();
  private static final Map<Class<?>, ClientType> BY_CLASS = new HashMap<>();

  static {
    for (ClientType t : values()) {
      BY_WIRE.put(t.wire, t);
      BY_CLASS.put(t.type, t);
    }
  }

  private final String wire;
  private final Class<? extends ClientMessage> type;

  ClientType(String wire, Class<? extends ClientMessage> type) {
    this.wire = wire;
    this.type = type;
  }

  /** The {@code type} value on the wire. */
  public String wire() {
    return wire;
  }

  /** The record class. */
  public Class<? extends ClientMessage> type() {
    return type;
  }

  public static Optional<ClientType> ofWire(String wire) {
    return Optional.ofNullable(BY_WIRE.get(wire));
  }

  public static ClientType of(ClientMessage message) {
    return BY_CLASS.get(message.getClass());
  }
}
