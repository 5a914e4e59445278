package dev.duet.protocol;

/**
 * A message that cannot be decoded: carries the {@link ErrorCode} to answer with and, when it could
 * be read, the {@code id} of the offending message.
 */
public final class ProtocolException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final String re;

  public ProtocolException(ErrorCode code, String message, String re) {
    super(message);
    this.code = code;
    this.re = re;
  }

  public ErrorCode code() {
    return code;
  }

  /** The {@code id} of the message that failed, or null. */
  public String re() {
    return re;
  }

  /** The error reply for the sender. */
  public ServerMessage.Error toError() {
    return ServerMessage.Error.of(code, getMessage(), re);
  }
}
