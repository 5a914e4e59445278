package dev.duet.signaling.moderation;

import dev.duet.common.Periodic;
import dev.duet.common.Threads;
import dev.duet.store.Recording;
import dev.duet.store.RecordingQuery;
import dev.duet.store.RecordingStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes recordings older than the retention period ({@code DUET_RECORDING_RETENTION_DAYS}):
 * catalogue entry marked deleted, file deleted, each one audited as {@code recording.expire} by
 * {@code system}. Recordings under legal hold are kept, however old.
 *
 * <p>{@link #sweep()} does one pass and is what tests call (with an injected clock, no sleeping);
 * {@link #start(Duration)} runs it on its own thread at a fixed period. A recording's age counts
 * from when it started.
 */
public final class RetentionSweeper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RetentionSweeper.class);
  private static final int PAGE = 200;

  private final RecordingStore store;
  private final Moderation moderation;
  private final Duration retention;
  private final Clock clock;
  private ScheduledExecutorService timer;

  public RetentionSweeper(
      RecordingStore store, Moderation moderation, Duration retention, Clock clock) {
    if (retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("retention must be positive: " + retention);
    }
    this.store = Objects.requireNonNull(store, "store");
    this.moderation = Objects.requireNonNull(moderation, "moderation");
    this.retention = retention;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * One pass: deletes every recording that started before now minus the retention period and is not
   * under legal hold.
   *
   * @return how many recordings it deleted
   */
  public int sweep() {
    Instant cutoff = clock.instant().minus(retention);
    RecordingQuery expired =
        RecordingQuery.all().withStartedBetween(Instant.EPOCH, cutoff).page(0, PAGE);
    int deleted = 0;
    int kept = 0;
    while (true) {
      // Deleted ones leave the listing; the ones kept (on hold) are skipped by the offset.
      List<Recording> page = store.list(expired.page(kept, PAGE));
      if (page.isEmpty()) {
        break;
      }
      for (Recording r : page) {
        if (!r.legalHold()
            && moderation.expire(
                r, "older than the retention of " + retention.toDays() + " days")) {
          deleted++;
        } else {
          kept++;
        }
      }
    }
    if (deleted > 0 || kept > 0) {
      LOG.info(
          "Retention: deleted {} recordings started before {}; kept {} under legal hold",
          deleted,
          cutoff,
          kept);
    }
    return deleted;
  }

  /** Sweeps now and then every {@code period}, on one daemon thread, until closed. */
  public synchronized RetentionSweeper start(Duration period) {
    if (timer != null) {
      throw new IllegalStateException("already started");
    }
    timer = Executors.newSingleThreadScheduledExecutor(Threads.daemon("duet-retention"));
    var unused =
        Periodic.every(
            timer, 0, period.toMillis(), TimeUnit.MILLISECONDS, "retention sweep", this::sweep);
    return this;
  }

  /** Stops the schedule and waits (up to 30 s) for a sweep in progress to finish. */
  @Override
  public void close() {
    ScheduledExecutorService stopping;
    synchronized (this) {
      stopping = timer;
      timer = null;
    }
    if (stopping == null) {
      return;
    }
    stopping.shutdown();
    try {
      if (!stopping.awaitTermination(30, TimeUnit.SECONDS)) {
        LOG.warn("Retention sweep still running after 30 s; interrupting it");
        stopping.shutdownNow();
      }
    } catch (InterruptedException e) {
      stopping.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
