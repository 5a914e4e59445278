package dev.duet.media.engine;

import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stand-alone engine, like a KMS: {@code java -jar duet-media-engine.jar}. Configured by the
 * environment (see {@link EngineConfig#fromEnvironment}); stops on SIGTERM / Ctrl-C.
 */
public final class EngineMain {
  static {
    // The jar ships no logback.xml (it would clash with an embedding application's); the
    // stand-alone engine uses its own quiet configuration unless one is given.
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "duet-engine-logback.xml");
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(EngineMain.class);

  private EngineMain() {}

  public static void main(String[] args) throws InterruptedException {
    EngineConfig config = EngineConfig.fromEnvironment(System.getenv());
    MediaEngine engine = MediaEngine.start(config);
    LOG.info(
        "Duet media engine listening on {} (recordings under {})",
        engine.uri(),
        config.recordingsRoot());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  engine.close();
                  stopped.countDown();
                },
                "duet-engine-shutdown"));
    stopped.await();
  }
}
