package dev.duet.signaling.moderation;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

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

  private record Ticket(String recordingId, String moderator, Instant expiresAt) {}

  private final SecureRandom random = new SecureRandom();
  private final Map<String, Ticket> tickets = new ConcurrentHashMap<>();
  private final Clock clock;

  public PlayTickets(Clock clock) {
    this.clock = clock;
  }

  /** An issued ticket and when it stops working. */
  public record Issued(String ticket, Instant expiresAt) {}

  /** A new ticket for {@code moderator} to play {@code recordingId}. */
  public Issued issue(String moderator, String recordingId) {
    Instant now = clock.instant();
    tickets.values().removeIf(t -> !t.expiresAt().isAfter(now));
    if (tickets.size() >= MAX_TICKETS) {
      tickets.entrySet().stream()
          .min(Map.Entry.comparingByValue(java.util.Comparator.comparing(Ticket::expiresAt)))
          .ifPresent(e -> tickets.remove(e.getKey()));
    }
    byte[] bytes = new byte[24];
    random.nextBytes(bytes);
    String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    Instant expiresAt = now.plus(TTL);
    tickets.put(ticket, new Ticket(recordingId, moderator, expiresAt));
    return new Issued(ticket, expiresAt);
  }

  /** The moderator a live ticket for {@code recordingId} was issued to; empty otherwise. */
  public Optional<String> moderatorFor(String ticket, String recordingId) {
    Ticket t = tickets.get(ticket);
    if (t == null) {
      return Optional.empty();
    }
    if (!t.expiresAt().isAfter(clock.instant())) {
      tickets.remove(ticket, t);
      return Optional.empty();
    }
    return t.recordingId().equals(recordingId) ? Optional.of(t.moderator()) : Optional.empty();
  }
}
