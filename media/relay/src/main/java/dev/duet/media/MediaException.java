package dev.duet.media;

/** The media server could not do what was asked. */
public final class MediaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean refusedInput;

  public MediaException(String message, Throwable cause) {
    this(message, cause, false);
  }

  /**
   * @param refusedInput true when the media server refused what a party sent (an SDP it cannot
   *     use): the party made a mistake, the call's media is not lost
   */
  public MediaException(String message, Throwable cause, boolean refusedInput) {
    super(message, cause);
    this.refusedInput = refusedInput;
  }

  /** True when the media server refused a party's input rather than failing. */
  public boolean refusedInput() {
    return refusedInput;
  }
}
