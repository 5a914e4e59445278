package dev.duet.signaling.auth;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Short-lived random tickets that stand for a credential where a URL must carry one (a browser's
 * WebSocket, EventSource or {@code <video>} cannot send an Authorization header): a long-lived
 * token in a URL ends up in browser history and request logs; a ticket is 192 random bits, expires
 * after the store's TTL and names only what it was issued for. In memory, so valid on the server
 * that issued it.
 *
 * @param <T> what a ticket stands for
 */
public final class Tickets<T> {
  private record Entry<T>(T value, Instant expiresAt) {}

  /** An issued ticket and when it stops working. */
  public record Issued(String ticket, Instant expiresAt) {}

  private final SecureRandom random = new SecureRandom();
  private final Map<String, Entry<T>> tickets = new ConcurrentHashMap<>();
  private final java.util.ArrayDeque<Map.Entry<String, Instant>> order =
      new java.util.ArrayDeque<>(); // guarded by this: issue order, which is expiry order
  private final Clock clock;
  private final Duration ttl;
  private final int max;

  /** Tickets living {@code ttl}; at most {@code max} kept, the oldest go first beyond. */
  public Tickets(Clock clock, Duration ttl, int max) {
    this.clock = clock;
    this.ttl = ttl;
    this.max = max;
  }

  public Duration ttl() {
    return ttl;
  }

  /**
   * A new ticket for {@code value}. Tickets expire in the order they were issued (one TTL), so the
   * expired and, beyond {@code max}, the oldest are dropped from the head of the issue order: no
   * scan of every live ticket per issue.
   */
  public synchronized Issued issue(T value) {
    Instant now = clock.instant();
    while (!order.isEmpty()
        && (!order.peekFirst().getValue().isAfter(now) || order.size() >= max)) {
      tickets.remove(order.pollFirst().getKey()); // already redeemed ones are simply gone
    }
    byte[] bytes = new byte[24];
    random.nextBytes(bytes);
    String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    Instant expiresAt = now.plus(ttl);
    tickets.put(ticket, new Entry<>(value, expiresAt));
    order.addLast(Map.entry(ticket, expiresAt));
    return new Issued(ticket, expiresAt);
  }

  /** What a live ticket stands for; the ticket stays usable until it expires. */
  public Optional<T> peek(String ticket) {
    Entry<T> e = tickets.get(ticket);
    if (e == null) {
      return Optional.empty();
    }
    if (!e.expiresAt().isAfter(clock.instant())) {
      tickets.remove(ticket, e);
      return Optional.empty();
    }
    return Optional.of(e.value());
  }

  /** What a live ticket stands for; the ticket is used up, whatever the answer. */
  public Optional<T> redeem(String ticket) {
    Entry<T> e = tickets.remove(ticket);
    if (e == null || !e.expiresAt().isAfter(clock.instant())) {
      return Optional.empty();
    }
    return Optional.of(e.value());
  }
}
