package dev.duet.bench;

import dev.duet.testsupport.Chromium;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * One headless Chromium (Debian's, driven by Debian's chromedriver) with a fresh profile and a fake
 * camera and microphone, for the setup benchmark: the same flags as the browser tests' Browser.
 */
final class SetupBrowser implements AutoCloseable {
  private final String name;
  private final Chromium chromium;
  private final ChromeDriver driver;

  private SetupBrowser(String name, Chromium chromium) {
    this.name = name;
    this.chromium = chromium;
    this.driver = chromium.driver();
  }

  static SetupBrowser launch(String name) {
    Chromium chromium =
        Chromium.launch("setup-" + name, Chromium.INTERACTIVE.toArray(String[]::new));
    chromium.driver().manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
    return new SetupBrowser(name, chromium);
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
    chromium.close();
  }

  static void deleteTree(Path dir) {
    Chromium.deleteTree(dir);
  }
}
