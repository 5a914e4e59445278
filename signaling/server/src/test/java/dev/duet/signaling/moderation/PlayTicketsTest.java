package dev.duet.signaling.moderation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.signaling.auth.Tickets;
import dev.duet.signaling.call.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlayTicketsTest {
  private final Instant start = Instant.parse("2026-11-25T10:00:00Z");
  private final MutableClock clock = new MutableClock(start);
  private final PlayTickets tickets = new PlayTickets(clock);

  @Test
  void aTicketPlaysItsRecordingForItsModeratorUntilItExpires() {
    Tickets.Issued t = tickets.issue("sam", "rec-1");
    assertThat(t.expiresAt()).isEqualTo(start.plus(PlayTickets.TTL));
    assertThat(tickets.moderatorFor(t.ticket(), "rec-1")).contains("sam");
    assertThat(tickets.moderatorFor(t.ticket(), "rec-1")).as("reusable: seeks").contains("sam");
    assertThat(tickets.moderatorFor(t.ticket(), "rec-2")).isEmpty();
    clock.advance(PlayTickets.TTL.minus(Duration.ofMillis(1)));
    assertThat(tickets.moderatorFor(t.ticket(), "rec-1")).contains("sam");
    clock.advance(Duration.ofMillis(1));
    assertThat(tickets.moderatorFor(t.ticket(), "rec-1")).isEmpty();
  }

  @Test
  void ticketsAreUnguessableAndUnknownOnesPlayNothing() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String ticket = tickets.issue("sam", "rec").ticket();
      assertThat(ticket).matches("[A-Za-z0-9_-]{32}");
      assertThat(seen.add(ticket)).isTrue();
    }
    assertThat(tickets.moderatorFor("not-a-ticket", "rec")).isEmpty();
  }
}
