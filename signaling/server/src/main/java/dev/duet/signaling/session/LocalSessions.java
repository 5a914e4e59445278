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
  public Optional<Resumed> resume(String resumeToken, String user, Link link, long lastSeq) {
    if (resumeToken == null) {
      return Optional.empty();
    }
    Session s = byToken.get(resumeToken);
    if (s == null || !s.user().equals(user)) {
      return Optional.empty();
    }
    String next = token(24);
    // Checks the token and the session's end, rotates and attaches under the session's lock.
    Optional<Session.Resumed> r = s.resume(resumeToken, next, link, lastSeq);
    if (r.isEmpty()) {
      return Optional.empty();
    }
    byToken.put(next, s);
    for (String spent : r.get().spent()) {
      byToken.remove(spent, s);
    }
    if (s.ended()) {
      // Ended (grace over, or evicted by the session cap) just after this resume attached:
      // remove() closed the link, maybe before the new token went in. None stays behind; the
      // client, told the session ended, connects afresh.
      byToken.remove(next, s);
    }
    return Optional.of(new Resumed(s, r.get()));
  }

  @Override
  public void confirmed(Session session) {
    session.confirmResumeToken().ifPresent(t -> byToken.remove(t, session));
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
    for (String t : session.resumeTokens()) {
      byToken.remove(t, session);
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
