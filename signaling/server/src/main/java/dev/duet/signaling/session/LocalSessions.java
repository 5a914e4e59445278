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
    if (!byToken.remove(resumeToken, s)) {
      return Optional.empty(); // another connection used it first
    }
    String next = token(24);
    s.rotateResumeToken(next);
    byToken.put(next, s);
    if (s.ended()) {
      // Ended (grace over, or evicted by the session cap) while this resume ran: remove() took
      // the token it saw out, maybe before the new one went in. No link attaches to an ended
      // session, and no token of it stays behind.
      byToken.remove(next, s);
      return Optional.empty();
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
    byToken.remove(session.resumeToken(), session);
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
