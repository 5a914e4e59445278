package dev.duet.media.engine;

import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stand-alone engine, like a KMS: {@code java -jar duet-media-engine.jar}. Configured by the
 * environment (see {@link EngineConfig#fromEnvironment}); stops on SIGTERM / Ctrl-C.
 */
public final class EngineMain {
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
