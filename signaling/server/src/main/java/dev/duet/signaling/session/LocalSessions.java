package dev.duet.signaling.session;

import dev.duet.signaling.auth.Principal;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Sessions of this node, in memory. Thread-safe. */
public final class LocalSessions implements SessionStore {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Clock clock;
  private final int maxOutbox;
  private final Map<String, Session> byId = new ConcurrentHashMap<>();
  private final Map<String, Session> byToken = new ConcurrentHashMap<>();
  private final Map<String, Set<Session>> byUser = new ConcurrentHashMap<>();

  public LocalSessions(Clock clock, int maxOutbox) {
    this.clock = clock;
    this.maxOutbox = maxOutbox;
  }

  @Override
  public Session create(Principal principal) {
    String token = token(24);
    Session s = new Session(token(12), principal, token, maxOutbox, clock.instant());
    byId.put(s.id(), s);
    byToken.put(token, s);
    byUser.computeIfAbsent(principal.user(), u -> ConcurrentHashMap.newKeySet()).add(s);
    return s;
  }

  @Override
  public Optional<Session> resume(String resumeToken, String user) {
    if (resumeToken == null) {
      return Optional.empty();
    }
    Session s = byToken.get(resumeToken);
    if (s == null || !s.user().equals(user) || s.ended()) {
      return Optional.empty();
    }
    // Each resume issues a new token in its welcome. A welcome can be lost on a dying link, so
    // the token the client last saw stays valid until it shows it has the newer one by resuming
    // with it; a lost welcome then costs nothing, and at most two tokens open a session.
    String next = token(24);
    synchronized (s) {
      String current = s.resumeToken();
      String previous = s.previousResumeToken();
      if (resumeToken.equals(current)) {
        if (previous != null) {
          byToken.remove(previous, s); // the client has the current one: the one before is spent
        }
        s.rotateResumeToken(next, current);
      } else if (resumeToken.equals(previous)) {
        byToken.remove(current, s); // its welcome never arrived: nobody holds it
        s.rotateResumeToken(next, previous);
      } else {
        return Optional.empty(); // spent by a resume that raced this one
      }
      byToken.put(next, s);
    }
    return Optional.of(s);
  }

  @Override
  public Optional<Session> find(String sessionId) {
    return Optional.ofNullable(byId.get(sessionId));
  }

  @Override
  public List<Session> ofUser(String user) {
    Set<Session> set = byUser.get(user);
    return set == null ? List.of() : List.copyOf(set);
  }

  @Override
  public void remove(Session session) {
    session
        .end()
        .ifPresent(l -> l.close(dev.duet.protocol.CloseCode.SESSION_ENDED, "session ended"));
    byId.remove(session.id());
    synchronized (session) {
      byToken.remove(session.resumeToken(), session);
      String previous = session.previousResumeToken();
      if (previous != null) {
        byToken.remove(previous, session);
      }
    }
    byUser.computeIfPresent(
        session.user(),
        (u, set) -> {
          set.remove(session);
          return set.isEmpty() ? null : set;
        });
  }

  @Override
  public List<Session> all() {
    return List.copyOf(byId.values());
  }

  /** An unguessable URL-safe token of {@code bytes} random bytes. */
  static String token(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
