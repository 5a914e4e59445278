package dev.duet.signaling.session;

import dev.duet.signaling.call.Outgoing;

/**
 * Delivers messages to users' sessions. The in-process {@link LocalRouter} enqueues into this
 * node's sessions; a Redis-backed router would also publish to the nodes holding the others.
 */
public interface Router {

  /** Delivers one message; never blocks. */
  void send(Outgoing outgoing);
}
