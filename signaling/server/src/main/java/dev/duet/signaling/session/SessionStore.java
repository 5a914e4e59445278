package dev.duet.signaling.session;

import dev.duet.signaling.auth.Principal;
import java.util.List;
import java.util.Optional;

/**
 * Where sessions live. The in-memory {@link LocalSessions} serves one node; a shared store (Redis)
 * can take its place for several nodes without touching the call logic.
 */
public interface SessionStore {

  /** A fresh session for {@code principal} with a new resume token. */
  Session create(Principal principal);

  /**
   * The session a resume token names, if it exists, belongs to {@code user} and has not ended. The
   * token is single-use: the session gets a new one.
   */
  Optional<Session> resume(String resumeToken, String user);

  Optional<Session> find(String sessionId);

  /** Every live session (attached or in grace) of a user. */
  List<Session> ofUser(String user);

  /** Ends and forgets a session. */
  void remove(Session session);

  /** True while any session of the user is attached or within its grace period. */
  default boolean online(String user) {
    return !ofUser(user).isEmpty();
  }

  /** All sessions (metrics, shutdown). */
  List<Session> all();
}
