package dev.duet.web;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.duet.testsupport.Chromium;
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
import java.util.List;
import java.util.function.Predicate;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * One headless Chromium (Debian's, driven by Debian's chromedriver) with its own fresh profile and
 * fake camera and microphone: one person in a browser test. Reads the page through {@code
 * window.duetDebug.snapshot()} and waits with a deadline, never a bare sleep.
 */
final class Browser implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(20);

  private final String name;
  private final Chromium chromium;
  private final ChromeDriver driver;
  private final List<String> windows = new ArrayList<>();

  private Browser(String name, Chromium chromium) {
    this.name = name;
    this.chromium = chromium;
    this.driver = chromium.driver();
    windows.add(driver.getWindowHandle());
  }

  /** Starts a browser; {@code name} labels screenshots and failures. */
  static Browser launch(String name) {
    Chromium chromium = Chromium.launch(name, Chromium.INTERACTIVE.toArray(String[]::new));
    chromium.driver().manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
    return new Browser(name, chromium);
  }

  String name() {
    return name;
  }

  /** Opens any address in the current window (a recording's file, say). */
  void go(URI uri) {
    driver.get(uri.toString());
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
    chromium.close();
  }

  /** The sign-in page as a new visitor sees it. */
  void showSignIn(URI base) {
    driver.get(base.resolve("/app.css").toString());
    js("localStorage.clear(); sessionStorage.clear();");
    open(base, "");
  }
}
