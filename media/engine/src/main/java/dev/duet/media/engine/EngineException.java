package dev.duet.media.engine;

/**
 * A request the engine refuses, carrying the Kurento error code and symbolic type the client sees
 * in the JSON-RPC error object ({@code {"code":40101,"data":{"type":"MEDIA_OBJECT_NOT_FOUND"}}}).
 */
public final class EngineException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final KmsError error;

  public EngineException(KmsError error, String message) {
    super(message);
    this.error = error;
  }

  public EngineException(KmsError error, String message, Throwable cause) {
    super(message, cause);
    this.error = error;
  }

  public KmsError error() {
    return error;
  }
}
