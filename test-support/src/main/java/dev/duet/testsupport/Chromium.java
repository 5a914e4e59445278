package dev.duet.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * One headless Chromium (Debian's {@code /usr/bin/chromium}, driven by Debian's chromedriver) with
 * a fresh profile and a fake camera and microphone: what every browser test and benchmark starts.
 * {@code -Dduet.chromium} and {@code -Dduet.chromedriver} point elsewhere.
 */
public final class Chromium implements AutoCloseable {
  /** Flags every page gets (running as root needs --no-sandbox). */
  public static final List<String> FLAGS =
      List.of(
          "--headless=new",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-dev-shm-usage",
          "--disable-quic",
          "--no-first-run",
          "--no-default-browser-check",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--disable-extensions",
          "--autoplay-policy=no-user-gesture-required",
          "--use-fake-device-for-media-stream",
          "--use-fake-ui-for-media-stream",
          // Host candidates carry the machine's interface address, not an mDNS name.
          "--disable-features=WebRtcHideLocalIpsWithMdns,MediaRouter,OptimizationHints");

  /**
   * What a page that a test drives like a person needs on top: timers and rendering at full speed
   * in a page nobody looks at, and a desktop-sized window for screenshots. Benchmarks leave these
   * out: the busier browsers would compete for the CPU with the server being measured.
   */
  public static final List<String> INTERACTIVE =
      List.of(
          "--disable-background-timer-throttling",
          "--disable-renderer-backgrounding",
          "--disable-backgrounding-occluded-windows",
          "--window-size=1280,800");

  private final Path profile;
  private final ChromeDriverService service;
  private final ChromeDriver driver;

  private Chromium(Path profile, ChromeDriverService service, ChromeDriver driver) {
    this.profile = profile;
    this.service = service;
    this.driver = driver;
  }

  /** Starts one; {@code name} labels its profile folder; {@code extraArgs} come after the flags. */
  public static Chromium launch(String name, String... extraArgs) {
    Path profile;
    try {
      profile = Files.createTempDirectory("duet-chromium-" + name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(System.getProperty("duet.chromium", "/usr/bin/chromium"));
    List<String> args = new ArrayList<>(FLAGS);
    args.addAll(List.of(extraArgs));
    args.add("--user-data-dir=" + profile);
    options.addArguments(args);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(
                new File(System.getProperty("duet.chromedriver", "/usr/bin/chromedriver")))
            .usingAnyFreePort()
            .build();
    try {
      ChromeDriver driver = new ChromeDriver(service, options);
      driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
      driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20));
      return new Chromium(profile, service, driver);
    } catch (RuntimeException e) {
      service.stop();
      deleteTree(profile);
      throw e;
    }
  }

  public ChromeDriver driver() {
    return driver;
  }

  /** Quits the browser, stops its chromedriver and deletes its profile. */
  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.stop();
      deleteTree(profile);
    }
  }

  /** Best effort (a temp dir); a second pass catches files a closing browser wrote late. */
  public static void deleteTree(Path dir) {
    for (int pass = 0; pass < 2 && Files.exists(dir); pass++) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException | UncheckedIOException ignored) {
        // a file vanished while walking: the next pass sees the rest
      }
    }
  }
}
