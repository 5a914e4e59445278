package dev.duet.web;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * One headless Chromium (Debian's, driven by Debian's chromedriver) with its own fresh profile and
 * fake camera and microphone: one person in a browser test. Reads the page through {@code
 * window.duetDebug.snapshot()} and waits with a deadline, never a bare sleep.
 */
final class Browser implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(20);

  private final String name;
  private final Path profile;
  private final ChromeDriverService service;
  private final ChromeDriver driver;
  private final List<String> windows = new ArrayList<>();

  private Browser(String name, Path profile, ChromeDriverService service, ChromeDriver driver) {
    this.name = name;
    this.profile = profile;
    this.service = service;
    this.driver = driver;
    windows.add(driver.getWindowHandle());
  }

  /** Starts a browser; {@code name} labels screenshots and failures. */
  static Browser launch(String name) {
    Path profile;
    try {
      profile = Files.createTempDirectory("duet-chromium-" + name);
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
        // Host candidates carry the machine's interface address, not an mDNS name.
        "--disable-features=WebRtcHideLocalIpsWithMdns,MediaRouter,OptimizationHints",
        "--window-size=1280,800",
        "--user-data-dir=" + profile);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(
                new File(System.getProperty("duet.chromedriver", "/usr/bin/chromedriver")))
            .usingAnyFreePort()
            .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20));
    return new Browser(name, profile, service, driver);
  }

  String name() {
    return name;
  }

  /** Opens the page in the current window (query e.g. {@code ?ice=relay}). */
  void open(URI base, String query) {
    driver.get(base.resolve("/" + query).toString());
  }

  /** Opens the page fresh, forgets any saved sign-in, and signs in as {@code user}. */
  void signIn(URI base, String query, String user) {
    // Forget the saved sign-in on a same-origin page that does not sign in by itself.
    driver.get(base.resolve("/app.css").toString());
    js("localStorage.clear(); sessionStorage.clear();");
    open(base, query);
    WebElement input = driver.findElement(By.id("login-name"));
    input.clear();
    input.sendKeys(user);
    click("login-submit");
    awaitSnapshot(
        user + " connected", s -> "connected".equals(str(s, "connection")) && s.has("turn"));
  }

  /** Opens a second window on the page: it signs in by itself with the saved token. */
  String openWindow(URI base, String query) {
    driver.switchTo().newWindow(WindowType.WINDOW);
    String handle = driver.getWindowHandle();
    windows.add(handle);
    open(base, query);
    return handle;
  }

  void switchTo(int window) {
    driver.switchTo().window(windows.get(window));
  }

  /** Closes every window but the first. */
  void closeExtraWindows() {
    while (windows.size() > 1) {
      driver.switchTo().window(windows.remove(windows.size() - 1));
      driver.close();
    }
    switchTo(0);
  }

  void click(String id) {
    driver.findElement(By.id(id)).click();
  }

  WebElement find(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  void type(String id, String text) {
    WebElement e = driver.findElement(By.id(id));
    e.clear();
    e.sendKeys(text);
  }

  String text(String id) {
    return driver.findElement(By.id(id)).getText();
  }

  void resize(int width, int height) {
    driver.manage().window().setSize(new Dimension(width, height));
  }

  Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  /** What the page knows: {@code window.duetDebug.snapshot()}. */
  JsonObject snapshot() {
    Object json =
        js("return window.duetDebug ? JSON.stringify(window.duetDebug.snapshot()) : '{}';");
    return JsonParser.parseString(String.valueOf(json)).getAsJsonObject();
  }

  /** Polls the snapshot until {@code test} holds; fails with the last snapshot after WAIT. */
  JsonObject awaitSnapshot(String what, Predicate<JsonObject> test) {
    return awaitSnapshot(what, WAIT, test);
  }

  JsonObject awaitSnapshot(String what, Duration timeout, Predicate<JsonObject> test) {
    Instant deadline = Instant.now().plus(timeout);
    JsonObject last = null;
    while (true) {
      last = snapshot();
      try {
        if (test.test(last)) {
          return last;
        }
      } catch (RuntimeException ignored) {
        // a field not there yet
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(
            name
                + ": timed out after "
                + timeout.toSeconds()
                + " s waiting for "
                + what
                + "\nlast snapshot: "
                + last);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }

  /** Writes a PNG of the current window to {@code dir/file} and returns its path. */
  Path screenshot(Path dir, String file) {
    try {
      Files.createDirectories(dir);
      Path out = dir.resolve(file);
      File png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
      Files.move(png.toPath(), out, StandardCopyOption.REPLACE_EXISTING);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String str(JsonObject o, String field) {
    JsonElement e = o.get(field);
    return e == null || e.isJsonNull() ? null : e.getAsString();
  }

  /** The value at a dotted path ({@code call.stats.framesDecoded}), or null. */
  static JsonElement at(JsonObject o, String path) {
    JsonElement cur = o;
    for (String part : path.split("\\.")) {
      if (cur == null || !cur.isJsonObject()) {
        return null;
      }
      cur = cur.getAsJsonObject().get(part);
    }
    return cur == null || cur.isJsonNull() ? null : cur;
  }

  static String atString(JsonObject o, String path) {
    JsonElement e = at(o, path);
    return e == null ? null : e.getAsString();
  }

  static long atLong(JsonObject o, String path) {
    JsonElement e = at(o, path);
    return e == null ? 0 : e.getAsLong();
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

  /** Best effort (a temp dir); a second pass catches files a closing browser wrote late. */
  static void deleteTree(Path dir) {
    for (int pass = 0; pass < 2 && Files.exists(dir); pass++) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException | UncheckedIOException ignored) {
        // a file vanished while walking: the next pass sees the rest
      }
    }
  }

  /** The sign-in page as a new visitor sees it. */
  void showSignIn(URI base) {
    driver.get(base.resolve("/app.css").toString());
    js("localStorage.clear(); sessionStorage.clear();");
    open(base, "");
  }
}
