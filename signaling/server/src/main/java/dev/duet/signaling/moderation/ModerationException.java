package dev.duet.signaling.moderation;

/** Why a moderation action could not be done; the REST API maps the kind to an HTTP status. */
public final class ModerationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong. */
  public enum Kind {
    /** A malformed request: 400. */
    BAD_REQUEST,
    /** No such recording: 404. */
    NOT_FOUND,
    /** The recording (or its file) was deleted: 410. */
    GONE,
    /** Not allowed in the recording's state, e.g. deleting one under legal hold: 409. */
    CONFLICT,
    /** The method is not allowed on the path: 405. */
    METHOD_NOT_ALLOWED,
    /** The server failed: 500. */
    INTERNAL
  }

  private final Kind kind;

  public ModerationException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public ModerationException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
