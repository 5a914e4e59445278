package dev.duet.web;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the page's files are: set by Failsafe, or found from the module directory. */
final class WebRoot {
  private WebRoot() {}

  static Path path() {
    String prop = System.getProperty("duet.webRoot");
    Path p = prop != null ? Path.of(prop) : Path.of("src", "main", "webapp");
    if (!Files.isRegularFile(p.resolve("index.html"))) {
      throw new IllegalStateException("no index.html in " + p.toAbsolutePath());
    }
    return p.toAbsolutePath().normalize();
  }
}
