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
   * Resumes the session a resume token names, if it exists, belongs to {@code user} and has not
   * ended: attaches {@code link} (frames after {@code lastSeq} are sent again) and gives the
   * session a new token for the welcome. The presented token stays valid for a while, until the
   * client shows it has the new one ({@link #confirmed}, or a resume with the new one), so a
   * welcome lost with its connection does not cost the session.
   */
  Optional<Resumed> resume(String resumeToken, String user, Link link, long lastSeq);

  /** A resumed session and what {@link Session#resume} did. */
  record Resumed(Session session, Session.Resumed resumed) {}

  /**
   * A frame of the client of {@code session} came on {@code link}: if that is the session's link,
   * the token it last resumed with is spent.
   */
  void confirmed(Session session, Link link);

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
