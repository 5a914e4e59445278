package dev.duet.media.engine.rpc;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's requests, run one at a time per lane and concurrently across lanes on a shared
 * pool. The lane of a request is its pipeline (see {@link RpcRequest#pipelineId()}), so a call's
 * requests keep the order the client sent them while a slow one (a {@code stopAndWait} that
 * finalises a file) holds up no other call. A lane exists only while it has work.
 */
final class Lanes {
  private static final Logger LOG = LoggerFactory.getLogger(Lanes.class);

  /** Requests one connection may have queued or running: beyond, new ones are refused. */
  static final int MAX_PENDING = 1000;

  private final Executor pool;
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

  Lanes(Executor pool) {
    this.pool = pool;
  }

  /**
   * Runs {@code task} after every task submitted earlier to lane {@code key}; false (and nothing
   * run) when the connection already has {@link #MAX_PENDING} requests pending.
   */
  boolean submit(String key, Runnable task) {
    Lane lane;
    synchronized (this) {
      if (pending >= MAX_PENDING) {
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
      LOG.debug("engine shutting down: request on lane {} dropped", key);
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
      } catch (RuntimeException | Error e) { // one failed request must not strand the lane
        LOG.warn("request on lane {} failed", lane.key, e);
      } finally {
        synchronized (this) {
          pending--;
        }
      }
    }
  }

  /** Lanes with work queued or running (0 when the connection is idle). */
  synchronized int active() {
    return lanes.size();
  }

  /** Requests queued or running. */
  synchronized int pending() {
    return pending;
  }
}
