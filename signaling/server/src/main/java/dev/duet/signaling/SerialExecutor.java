package dev.duet.signaling;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs its tasks one at a time, in submission order, on a shared pool. One per call keeps that
 * call's media steps in order (offer before candidates, close last) while different calls' blocking
 * media-server requests run side by side.
 */
final class SerialExecutor implements Executor {
  private static final Logger LOG = LoggerFactory.getLogger(SerialExecutor.class);

  private final Executor pool;
  private final ArrayDeque<Runnable> tasks = new ArrayDeque<>(); // guarded by this
  private boolean draining; // guarded by this

  SerialExecutor(Executor pool) {
    this.pool = pool;
  }

  @Override
  public void execute(Runnable task) {
    synchronized (this) {
      tasks.add(task);
      if (draining) {
        return;
      }
      draining = true;
    }
    try {
      pool.execute(this::drain);
    } catch (RuntimeException e) { // the pool is shut down: nothing will drain this queue
      synchronized (this) {
        tasks.clear();
        draining = false;
      }
      throw e;
    }
  }

  private void drain() {
    while (true) {
      Runnable next;
      synchronized (this) {
        next = tasks.poll();
        if (next == null) {
          draining = false;
          return;
        }
      }
      boolean done = false;
      try {
        next.run();
        done = true;
      } catch (RuntimeException e) {
        LOG.error("media task failed", e);
        done = true;
      } finally {
        if (!done) { // an Error: it propagates, and a fresh drain takes the tasks after it
          boolean more;
          synchronized (this) {
            more = !tasks.isEmpty();
            draining = more;
          }
          if (more) {
            pool.execute(this::drain);
          }
        }
      }
    }
  }
}
