package dev.duet.store;

import java.time.Instant;
import java.util.UUID;

/** Names and instants the contracts share. Every test makes its own users, so tests never meet. */
final class StoreFixtures {
  /** A fixed base instant (with sub-millisecond digits, which the stores drop). */
  static final Instant T0 = Instant.parse("2025-03-01T10:15:30.123456789Z");

  private StoreFixtures() {}

  /** A user (or any id) no other test uses. */
  static String unique(String name) {
    return name + "-" + UUID.randomUUID();
  }

  /** {@code T0} plus {@code seconds}, to the millisecond. */
  static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }

  /** What a store gives back for {@code instant}. */
  static Instant millis(Instant instant) {
    return Instant.ofEpochMilli(instant.toEpochMilli());
  }
}
