package dev.duet.signaling.moderation;

import dev.duet.signaling.auth.Tickets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Short-lived tickets that let a {@code <video>} element fetch one recording's media. A video
 * element cannot send an Authorization header, and a moderator's token in a media URL would end up
 * in browser history and request logs with all of its rights; a ticket names one recording, one
 * moderator and expires after {@link #TTL}. It can be used for every range request of a playback
 * (seeking) until then.
 */
public final class PlayTickets {
  /** How long a ticket plays. */
  public static final Duration TTL = Duration.ofMinutes(5);

  /** Tickets kept at most; the oldest go first when a burst of issues reaches it. */
  private static final int MAX_TICKETS = 10_000;

  private record Play(String recordingId, String moderator) {}

  private final Tickets<Play> tickets;

  public PlayTickets(Clock clock) {
    this.tickets = new Tickets<>(clock, TTL, MAX_TICKETS);
  }

  /** A new ticket for {@code moderator} to play {@code recordingId}. */
  public Tickets.Issued issue(String moderator, String recordingId) {
    return tickets.issue(new Play(recordingId, moderator));
  }

  /** The moderator a live ticket for {@code recordingId} was issued to; empty otherwise. */
  public Optional<String> moderatorFor(String ticket, String recordingId) {
    return tickets
        .peek(ticket)
        .filter(p -> p.recordingId().equals(recordingId))
        .map(Play::moderator);
  }
}
