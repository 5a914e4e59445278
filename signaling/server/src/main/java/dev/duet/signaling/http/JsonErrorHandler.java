package dev.duet.signaling.http;

import dev.duet.protocol.ErrorCode;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty answers itself (a malformed query string or URI, an unknown path, a failure outside
 * Duet's handlers) in the API's JSON shape, never as an HTML page naming an exception.
 */
public final class JsonErrorHandler extends ErrorHandler {
  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int status,
      String message,
      Throwable cause,
      Callback callback) {
    Json.error(response, callback, status, codeOf(status), messageOf(status));
  }

  /** The protocol's error code for an HTTP status. */
  public static ErrorCode codeOf(int status) {
    return switch (status) {
      case 401 -> ErrorCode.UNAUTHORIZED;
      case 403 -> ErrorCode.FORBIDDEN;
      case 404 -> ErrorCode.NOT_FOUND;
      case 413 -> ErrorCode.TOO_LARGE;
      default -> status >= 500 ? ErrorCode.INTERNAL : ErrorCode.BAD_REQUEST;
    };
  }

  private static String messageOf(int status) {
    return switch (status) {
      case 400 -> "malformed request (URI, query or headers)";
      case 404 -> "no such resource";
      case 405 -> "method not allowed";
      default -> status >= 500 ? "internal error" : "request refused (" + status + ")";
    };
  }
}
