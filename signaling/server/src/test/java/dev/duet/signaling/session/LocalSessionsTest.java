package dev.duet.signaling.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.signaling.auth.Principal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Resume tokens: which ones resume a session, and for how long. */
class LocalSessionsTest {
  private static final Duration LIFE = Duration.ofSeconds(80);

  private final SettableClock clock = new SettableClock();
  private final LocalSessions sessions = new LocalSessions(clock, 64, 1 << 20, LIFE, delay -> {});

  private Optional<SessionStore.Resumed> resume(String token, Link link) {
    return sessions.resume(token, "alice", link, 0);
  }

  private static String tokenOf(Optional<SessionStore.Resumed> r) {
    return r.orElseThrow().resumed().token();
  }

  @Test
  void thePresentedTokenLastsItsLifeFromTheResumeThatMadeItAndNoLonger() {
    Session s = sessions.create(principal());
    String first = s.resumeToken();
    String second = tokenOf(resume(first, new QuietLink("1"))); // its welcome is lost
    clock.advance(LIFE.minusSeconds(1));
    String third = tokenOf(resume(first, new QuietLink("2"))); // lost again; first still good
    assertThat(resume(second, new QuietLink("x")))
        .as("the token of the first lost welcome")
        .isEmpty();
    clock.advance(Duration.ofSeconds(2));
    assertThat(resume(first, new QuietLink("3")))
        .as("the presented token once its life is over, used again or not")
        .isEmpty();
    assertThat(resume(third, new QuietLink("4"))).isPresent();
  }

  @Test
  void onlyAFrameOnTheAttachedLinkSpendsThePresentedToken() {
    Session s = sessions.create(principal());
    String first = s.resumeToken();
    Link replaced = new QuietLink("replaced");
    Link current = new QuietLink("current");
    String second = tokenOf(resume(first, replaced));
    String third = tokenOf(resume(first, current));
    sessions.confirmed(s, replaced); // a late frame of the replaced link shows nothing
    String fourth = tokenOf(resume(first, new QuietLink("again")));
    assertThat(List.of(second, third, fourth)).doesNotHaveDuplicates();

    Link attached = new QuietLink("attached");
    String fifth = tokenOf(resume(first, attached));
    sessions.confirmed(s, attached);
    assertThat(resume(first, new QuietLink("late"))).isEmpty();
    assertThat(resume(fifth, new QuietLink("newest"))).isPresent();
  }

  @Test
  void resumingWithTheNewestSpendsTheOneBefore() {
    Session s = sessions.create(principal());
    String first = s.resumeToken();
    String second = tokenOf(resume(first, new QuietLink("1")));
    String third = tokenOf(resume(second, new QuietLink("2")));
    assertThat(resume(first, new QuietLink("3"))).isEmpty();
    assertThat(s.resumeTokens()).containsExactlyInAnyOrder(second, third);
  }

  @Test
  void anEndedSessionKeepsNoTokenAndResumesNoMore() {
    Session s = sessions.create(principal());
    String first = s.resumeToken();
    String second = tokenOf(resume(first, new QuietLink("1")));
    sessions.remove(s);
    assertThat(resume(first, new QuietLink("2"))).isEmpty();
    assertThat(resume(second, new QuietLink("3"))).isEmpty();
    assertThat(sessions.indexedTokens()).isZero();
  }

  @Test
  void racingResumesLeaveExactlyTheLiveTokensInTheIndex() throws Exception {
    Session s = sessions.create(principal());
    AtomicReference<String> latest = new AtomicReference<>(s.resumeToken());
    var failures = ConcurrentHashMap.<Throwable>newKeySet();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads =
        List.of(1, 2, 3, 4).stream()
            .map(
                n ->
                    new Thread(
                        () -> {
                          try {
                            go.await();
                            for (int i = 0; i < 2000; i++) {
                              // the newest seen, or the oldest listed: both may still be valid
                              List<String> listed = s.resumeTokens();
                              String t = i % 2 == 0 ? latest.get() : listed.get(listed.size() - 1);
                              resume(t, new QuietLink(n + "/" + i))
                                  .ifPresent(r -> latest.set(r.resumed().token()));
                            }
                          } catch (Throwable e) {
                            failures.add(e);
                          }
                        }))
            .toList();
    threads.forEach(Thread::start);
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    assertThat(failures).isEmpty();
    assertThat(sessions.indexedTokens())
        .as("tokens in the index: exactly those the session lists, none left behind")
        .isEqualTo(s.resumeTokens().size());
    assertThat(resume(s.resumeTokens().get(0), new QuietLink("check")))
        .as("the newest")
        .isPresent();
  }

  private static Principal principal() {
    return new Principal("alice", java.util.Set.of(), Instant.parse("2100-01-01T00:00:00Z"));
  }

  private static final class SettableClock extends Clock {
    private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
