package dev.duet.web;

import java.nio.file.Path;

/** Screenshots go under target/screenshots, for a person to look at. */
final class Screenshots {
  private Screenshots() {}

  static Path dir() {
    return Path.of(System.getProperty("duet.screenshots", "target/screenshots"))
        .toAbsolutePath()
        .normalize();
  }
}
