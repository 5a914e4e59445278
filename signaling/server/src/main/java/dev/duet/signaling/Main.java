package dev.duet.signaling;

import java.util.concurrent.CountDownLatch;

/** Starts Duet with configuration from the environment; Ctrl-C stops it cleanly. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    Config config = Config.fromEnv(System.getenv());
    DuetServer server = DuetServer.newServer(config).start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                },
                "duet-shutdown"));
    System.out.println("Duet is running at " + server.uri() + "/  (Ctrl-C to stop)");
    stopped.await();
  }
}
