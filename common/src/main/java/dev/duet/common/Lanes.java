package dev.duet.common;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tasks run one at a time per lane, in submission order, and concurrently across lanes on a shared
 * pool. Duet keys lanes by call (signaling's media steps: offer before candidates, close last) and
 * by pipeline (the engine's requests of one connection): one slow blocking task (a media-server
 * round trip, a {@code stopAndWait} that finalises a file) holds up its own lane only. A lane
 * exists only while it has work. A task that throws is logged and the lane goes on.
 */
public final class Lanes {
  private static final Logger LOG = LoggerFactory.getLogger(Lanes.class);

  private final Executor pool;
  private final int maxPending;
  private final String what;
  private final Map<String, Lane> lanes = new HashMap<>(); // guarded by this
  private int pending; // guarded by this

  private static final class Lane {
    final String key;
    final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    boolean running;

    Lane(String key) {
      this.key = key;
    }
  }

  /**
   * Lanes on {@code pool}, refusing tasks beyond {@code maxPending} queued or running ones; {@code
   * what} names the tasks in logs.
   */
  public Lanes(Executor pool, int maxPending, String what) {
    this.pool = pool;
    this.maxPending = maxPending;
    this.what = what;
  }

  /**
   * Runs {@code task} after every task submitted earlier to lane {@code key}; false (and nothing
   * run) when {@code maxPending} tasks are already pending. A task submitted while the pool shuts
   * down is dropped.
   */
  public boolean submit(String key, Runnable task) {
    Lane lane;
    synchronized (this) {
      if (pending >= maxPending) {
        return false;
      }
      pending++;
      lane = lanes.computeIfAbsent(key, Lane::new);
      lane.tasks.add(task);
      if (lane.running) {
        return true;
      }
      lane.running = true;
    }
    try {
      pool.execute(() -> drain(lane));
    } catch (RejectedExecutionException shuttingDown) {
      synchronized (this) {
        pending -= lane.tasks.size();
        lane.running = false;
        lane.tasks.clear();
        lanes.remove(key);
      }
      LOG.debug("shutting down: {} on lane {} dropped", what, key);
    }
    return true;
  }

  private void drain(Lane lane) {
    while (true) {
      Runnable next;
      synchronized (this) {
        next = lane.tasks.poll();
        if (next == null) {
          lane.running = false;
          lanes.remove(lane.key);
          return;
        }
      }
      try {
        next.run();
      } catch (RuntimeException | Error e) { // one failed task must not strand the lane
        LOG.warn("{} on lane {} failed", what, lane.key, e);
      } finally {
        synchronized (this) {
          pending--;
        }
      }
    }
  }

  /** Lanes with work queued or running (0 when idle). */
  public synchronized int active() {
    return lanes.size();
  }

  /** Tasks queued or running. */
  public synchronized int pending() {
    return pending;
  }
}
