package dev.duet.media.engine.rpc;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A kurento-client session: an id the client keeps across reconnections, the socket currently bound
 * to it, and the pipelines it created (released with the session).
 */
final class EngineSession {
  private final String id;
  private final Set<String> pipelines = ConcurrentHashMap.newKeySet();
  private volatile Optional<Connection> connection = Optional.empty();
  private volatile long detachedAtNanos;

  EngineSession(String id) {
    this.id = id;
  }

  String id() {
    return id;
  }

  Set<String> pipelines() {
    return pipelines;
  }

  Optional<Connection> connection() {
    return connection;
  }

  void attach(Connection c) {
    connection = Optional.of(c);
  }

  /** Detaches {@code c} if it is the current connection; the grace period starts now. */
  boolean detach(Connection c, long nowNanos) {
    if (connection.isPresent() && connection.get() == c) {
      connection = Optional.empty();
      detachedAtNanos = nowNanos;
      return true;
    }
    return false;
  }

  long detachedAtNanos() {
    return detachedAtNanos;
  }
}
