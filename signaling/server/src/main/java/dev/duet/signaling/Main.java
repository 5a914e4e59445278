package dev.duet.signaling;

import java.util.concurrent.CountDownLatch;

/** Starts Duet with configuration from the environment; Ctrl-C stops it cleanly. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    Config config = Config.fromEnv(System.getenv());
    DuetServer server = DuetServer.newServer(config);
    CountDownLatch stopped = new CountDownLatch(1);
    // Before start: a stop signal while Jetty starts still closes what was opened.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                },
                "duet-shutdown"));
    server.start();
    System.out.println("Duet is running at " + server.uri() + "/  (Ctrl-C to stop)");
    stopped.await();
  }
}
