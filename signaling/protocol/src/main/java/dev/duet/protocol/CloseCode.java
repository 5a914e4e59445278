package dev.duet.protocol;

/**
 * WebSocket close codes Duet uses for terminal conditions (RFC 6455 reserves 4000-4999 for
 * applications). Standard codes used as well: 1000 normal, 1001 server going away, 1009 message too
 * big, 1003 bad data, 1007 bad payload.
 */
public final class CloseCode {
  /** The session's outbox overflowed: the client did not read or ack fast enough. */
  public static final int OUTBOX_OVERFLOW = 4001;

  /** No frame (message or heartbeat) arrived within the idle timeout. */
  public static final int IDLE_TIMEOUT = 4002;

  /** The same session was resumed on another connection; this one is replaced. */
  public static final int REPLACED = 4003;

  /** The session's token expired while it was connected. */
  public static final int TOKEN_EXPIRED = 4004;

  /** The client kept breaking the rate limit. */
  public static final int RATE_LIMIT_ABUSE = 4005;

  /** The session ended on the server (logout, or its grace ran out while detached). */
  public static final int SESSION_ENDED = 4006;

  private CloseCode() {}
}
