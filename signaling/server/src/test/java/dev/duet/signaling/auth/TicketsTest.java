package dev.duet.signaling.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class TicketsTest {
  private final Instant start = Instant.parse("2026-11-26T10:00:00Z");

  @Test
  void aRedeemedTicketIsUsedUpAndAnExpiredOneIsWorthNothing() {
    Clock[] now = {Clock.fixed(start, ZoneOffset.UTC)};
    Clock clock =
        new Clock() {
          @Override
          public Instant instant() {
            return now[0].instant();
          }

          @Override
          public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }
        };
    Tickets<String> tickets = new Tickets<>(clock, Duration.ofSeconds(30), 100);
    Tickets.Issued once = tickets.issue("alice");
    assertThat(once.expiresAt()).isEqualTo(start.plusSeconds(30));
    assertThat(tickets.redeem(once.ticket())).contains("alice");
    assertThat(tickets.redeem(once.ticket())).as("used up").isEmpty();

    Tickets.Issued late = tickets.issue("bob");
    now[0] = Clock.fixed(start.plusSeconds(30), ZoneOffset.UTC);
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
