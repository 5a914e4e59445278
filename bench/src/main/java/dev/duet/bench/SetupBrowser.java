package dev.duet.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * One headless Chromium (Debian's, driven by Debian's chromedriver) with a fresh profile and a fake
 * camera and microphone, for the setup benchmark: the same flags as the browser tests' Browser.
 */
final class SetupBrowser implements AutoCloseable {
  private final String name;
  private final Path profile;
  private final ChromeDriverService service;
  private final ChromeDriver driver;

  private SetupBrowser(
      String name, Path profile, ChromeDriverService service, ChromeDriver driver) {
    this.name = name;
    this.profile = profile;
    this.service = service;
    this.driver = driver;
  }

  static SetupBrowser launch(String name) {
    Path profile;
    try {
      profile = Files.createTempDirectory("duet-setup-chromium-" + name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(System.getProperty("duet.chromium", "/usr/bin/chromium"));
    options.addArguments(
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
        "--disable-background-timer-throttling",
        "--disable-renderer-backgrounding",
        "--disable-backgrounding-occluded-windows",
        "--autoplay-policy=no-user-gesture-required",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        "--disable-features=WebRtcHideLocalIpsWithMdns,MediaRouter,OptimizationHints",
        "--window-size=1280,800",
        "--user-data-dir=" + profile);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(
                new File(System.getProperty("duet.chromedriver", "/usr/bin/chromedriver")))
            .usingAnyFreePort()
            .build();
    ChromeDriver driver;
    try {
      driver = new ChromeDriver(service, options);
    } catch (RuntimeException e) {
      service.stop();
      deleteTree(profile);
      throw e;
    }
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20));
    return new SetupBrowser(name, profile, service, driver);
  }

  String name() {
    return name;
  }

  /**
   * Opens the page fresh with {@code query}, forgets any saved sign-in, signs in as {@code user}.
   */
  void signIn(URI base, String query, String user) {
    driver.get(base.resolve("/app.css").toString());
    js("localStorage.clear(); sessionStorage.clear();");
    driver.get(base.resolve("/" + query).toString());
    WebElement input = driver.findElement(By.id("login-name"));
    input.clear();
    input.sendKeys(user);
    driver.findElement(By.id("login-submit")).click();
    await(
        user + " connected",
        Duration.ofSeconds(20),
        "const s = window.duetDebug && window.duetDebug.snapshot();"
            + " return !!s && s.connection === 'connected' && !!s.turn;");
  }

  void type(String id, String text) {
    WebElement e = driver.findElement(By.id(id));
    e.clear();
    e.sendKeys(text);
  }

  void clickCss(String css) {
    driver.findElement(By.cssSelector(css)).click();
  }

  Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  Object executeAsync(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeAsyncScript(script, args);
  }

  /** Polls {@code script} (returning a boolean) every 20 ms until true, or fails after timeout. */
  void await(String what, Duration timeout, String script, Object... args) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Object v = js(script, args);
      if (Boolean.TRUE.equals(v)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        Object snap =
            js("return window.duetDebug ? JSON.stringify(window.duetDebug.snapshot()) : '{}';");
        throw new IllegalStateException(
            name + ": timed out waiting for " + what + "; last snapshot: " + snap);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.stop();
      deleteTree(profile);
    }
  }

  static void deleteTree(Path dir) {
    for (int pass = 0; pass < 2 && Files.exists(dir); pass++) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException | UncheckedIOException ignored) {
        // a file vanished while walking: the next pass sees the rest
      }
    }
  }
}
