package dev.duet.bench;

/**
 * The servers compared, with each one's URL and message shapes. Every one checks the same HS256 JWT
 * before the upgrade; each relays a 3 KB SDP between two users the way it relays signaling.
 */
enum Kind {
  DUET("Duet"),
  NODE_WS("Node ws relay"),
  PEERJS("PeerJS 1.0.2"),
  JETTY("bare Jetty 12 relay");

  final String label;

  Kind(String label) {
    this.label = label;
  }

  static Kind parse(String s) {
    return switch (s.toLowerCase(java.util.Locale.ROOT)) {
      case "duet" -> DUET;
      case "ws", "node", "node-ws", "node_ws" -> NODE_WS;
      case "peerjs", "peer" -> PEERJS;
      case "jetty" -> JETTY;
      default -> throw new IllegalArgumentException("unknown server " + s);
    };
  }

  String path(String user) {
    String token = Jwt.mint(user);
    return this == PEERJS
        ? "/peerjs?key=peerjs&id=" + user + "&token=" + token
        : "/ws?access_token=" + token;
  }

  /** The type of the first frame a connection gets once authenticated. */
  String firstType() {
    return this == PEERJS ? "OPEN" : "welcome";
  }

  /** The application heartbeat each server's clients send. */
  String heartbeat() {
    return this == PEERJS ? "{\"type\":\"HEARTBEAT\"}" : "{\"type\":\"ping\"}";
  }

  /** The message carrying {@code sdp} to {@code dst} (an offer, or the answer coming back). */
  String relay(String callId, String dst, String sdp, boolean answer) {
    return switch (this) {
      case DUET ->
          "{\"type\":\""
              + (answer ? "sdp.answer" : "sdp.offer")
              + "\",\"callId\":\""
              + callId
              + "\",\"sdp\":\""
              + sdp
              + "\"}";
      case PEERJS ->
          "{\"type\":\""
              + (answer ? "ANSWER" : "OFFER")
              + "\",\"dst\":\""
              + dst
              + "\",\"payload\":{\"type\":\""
              + (answer ? "answer" : "offer")
              + "\",\"connectionId\":\""
              + callId
              + "\",\"sdp\":{\"type\":\""
              + (answer ? "answer" : "offer")
              + "\",\"sdp\":\""
              + sdp
              + "\"}}}";
      case NODE_WS, JETTY ->
          "{\"dst\":\""
              + dst
              + "\",\"payload\":{\"type\":\""
              + (answer ? "answer" : "offer")
              + "\",\"callId\":\""
              + callId
              + "\",\"sdp\":\""
              + sdp
              + "\"}}";
    };
  }

  /** True when {@code text} is an offer relayed to us (false: an answer, or something else). */
  boolean isOffer(String text) {
    return switch (this) {
      case DUET -> text.startsWith("{\"type\":\"sdp.offer\"");
      case PEERJS -> text.contains("\"type\":\"OFFER\"");
      case NODE_WS, JETTY -> text.contains("\"type\":\"offer\"");
    };
  }

  boolean isAnswer(String text) {
    return switch (this) {
      case DUET -> text.startsWith("{\"type\":\"sdp.answer\"");
      case PEERJS -> text.contains("\"type\":\"ANSWER\"");
      case NODE_WS, JETTY -> text.contains("\"type\":\"answer\"");
    };
  }

  /** A 3 KB SDP (JSON-escaped) starting with v=0 and carrying {@code stamp} in its o= line. */
  static String sdp(long stamp, int bytes) {
    StringBuilder b = new StringBuilder(bytes + 64);
    b.append("v=0\\r\\no=- ").append(stamp).append(" 2 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\n");
    int line = 0;
    while (b.length() < bytes) {
      b.append("a=candidate:")
          .append(line++)
          .append(" 1 udp 2122260223 192.168.1.23 54321 typ host generation 0\\r\\n");
    }
    b.setLength(bytes);
    return b.toString();
  }

  /** The stamp {@link #sdp} put in the o= line of the SDP inside {@code text}. */
  static long stamp(String text) {
    int i = text.indexOf("o=- ");
    if (i < 0) {
      return -1;
    }
    i += 4;
    long v = 0;
    while (i < text.length()) {
      char c = text.charAt(i++);
      if (c < '0' || c > '9') {
        break;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  /** The number after the stamp in the o= line (the answer carries the offer's stamp there). */
  static long secondStamp(String text) {
    int i = text.indexOf("o=- ") + 4;
    while (text.charAt(i) != ' ') {
      i++;
    }
    i++;
    long v = 0;
    while (i < text.length()) {
      char c = text.charAt(i++);
      if (c < '0' || c > '9') {
        break;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  /** The SDP string (still JSON-escaped) inside {@code text}. */
  static String sdpOf(String text) {
    int i = text.indexOf("v=0");
    int j = text.indexOf('"', i);
    return text.substring(i, j);
  }
}
