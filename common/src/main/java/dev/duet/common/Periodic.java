package dev.duet.common;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Periodic work that survives its own failures. A task given to {@code scheduleWithFixedDelay} that
 * throws once is never run again, silently: ring timeouts, heartbeats or idle-poller checks would
 * just stop. Here a failing run is logged and the next one runs on time.
 */
public final class Periodic {
  private static final Logger LOG = LoggerFactory.getLogger(Periodic.class);

  private Periodic() {}

  /**
   * Runs {@code task} every {@code period} after {@code initialDelay}; {@code what} names it in
   * logs.
   */
  public static ScheduledFuture<?> every(
      ScheduledExecutorService timer,
      long initialDelay,
      long period,
      TimeUnit unit,
      String what,
      Runnable task) {
    return timer.scheduleWithFixedDelay(
        () -> {
          try {
            task.run();
          } catch (RuntimeException e) {
            LOG.error("{} failed; it runs again in {} {}", what, period, unit, e);
          }
        },
        initialDelay,
        period,
        unit);
  }
}
