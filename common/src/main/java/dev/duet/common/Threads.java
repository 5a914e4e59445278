package dev.duet.common;

import java.util.concurrent.ThreadFactory;

/** Thread factories for Duet's own executors. */
public final class Threads {
  private Threads() {}

  /**
   * Daemon threads named {@code name}: they never keep the JVM alive (the server's own shutdown
   * stops their work), and thread dumps and per-thread CPU figures say whose they are.
   */
  public static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
