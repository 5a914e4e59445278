package dev.duet.signaling.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.signaling.call.testing.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TicketsTest {
  private final Instant start = Instant.parse("2026-11-26T10:00:00Z");

  @Test
  void aRedeemedTicketIsUsedUpAndAnExpiredOneIsWorthNothing() {
    MutableClock clock = new MutableClock(start);
    Tickets<String> tickets = new Tickets<>(clock, Duration.ofSeconds(30), 100);
    Tickets.Issued once = tickets.issue("alice");
    assertThat(once.expiresAt()).isEqualTo(start.plusSeconds(30));
    assertThat(tickets.redeem(once.ticket())).contains("alice");
    assertThat(tickets.redeem(once.ticket())).as("used up").isEmpty();

    Tickets.Issued late = tickets.issue("bob");
    clock.advance(Duration.ofSeconds(30));
    assertThat(tickets.redeem(late.ticket())).as("expired").isEmpty();
  }

  @Test
  void theOldestTicketsGoFirstBeyondTheLimit() {
    Tickets<Integer> tickets = new Tickets<>(Clock.systemUTC(), Duration.ofMinutes(1), 10);
    Tickets.Issued first = tickets.issue(0);
    for (int i = 1; i <= 10; i++) {
      tickets.issue(i);
    }
    assertThat(tickets.peek(first.ticket())).isEmpty();
  }
}
