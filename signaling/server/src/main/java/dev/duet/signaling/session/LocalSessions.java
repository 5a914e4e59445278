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
  private final long maxOutboxBytes;
  private final java.time.Duration previousTokenLife;
  private final java.util.function.LongConsumer firstSendDelay;
  private final Map<String, Session> byId = new ConcurrentHashMap<>();
  private final Map<String, Session> byToken = new ConcurrentHashMap<>();
  private final Map<String, Set<Session>> byUser = new ConcurrentHashMap<>();

  /**
   * @param previousTokenLife how long the token a resume was made with stays valid if the client
   *     never shows it got the newer one
   * @param firstSendDelay told, in nanoseconds, how long each frame waited in its outbox before a
   *     link first took it (the delay metric)
   */
  public LocalSessions(
      Clock clock,
      int maxOutbox,
      long maxOutboxBytes,
      java.time.Duration previousTokenLife,
      java.util.function.LongConsumer firstSendDelay) {
    this.clock = clock;
    this.maxOutbox = maxOutbox;
    this.maxOutboxBytes = maxOutboxBytes;
    this.previousTokenLife = previousTokenLife;
    this.firstSendDelay = firstSendDelay;
  }

  @Override
  public Session create(Principal principal) {
    String token = token(24);
    Session s =
        new Session(
            token(12),
            principal,
            token,
            maxOutbox,
            maxOutboxBytes,
            firstSendDelay,
            clock.instant());
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
    // Checks the token and the session's end, rotates, attaches and updates the index, all under
    // the session's lock: two racing resumes cannot leave a spent token in the index, and remove()
    // (which ends the session first) finds every token of it.
    Optional<Session.Resumed> r =
        s.resume(
            resumeToken,
            next,
            link,
            lastSeq,
            clock.instant(),
            previousTokenLife,
            done -> {
              byToken.put(next, s);
              for (String spent : done.spent()) {
                byToken.remove(spent, s);
              }
            });
    return r.map(done -> new Resumed(s, done));
  }

  @Override
  public void confirmed(Session session, Link link) {
    session.confirmResumeToken(link).ifPresent(t -> byToken.remove(t, session));
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

  /** How many resume tokens the index holds (each live session has one or two). */
  int indexedTokens() {
    return byToken.size();
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
