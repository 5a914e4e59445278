package dev.duet.media;

/** The media server could not do what was asked. */
public final class MediaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MediaException(String message, Throwable cause) {
    super(message, cause);
  }
}
