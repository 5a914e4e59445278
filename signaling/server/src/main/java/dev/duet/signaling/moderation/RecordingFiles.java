package dev.duet.signaling.moderation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recordings folder: where recording files are named, and the only way from a catalogued
 * relative path back to a file. Every path it hands out is inside the folder, after normalisation
 * and after following symbolic links, so no id or stored path can reach a file outside it.
 */
public final class RecordingFiles {
  private static final Logger LOG = LoggerFactory.getLogger(RecordingFiles.class);
  private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._@-]");

  private final Path root;

  /** The folder (created when missing). */
  public RecordingFiles(Path root) {
    this.root = root.toAbsolutePath().normalize();
    try {
      Files.createDirectories(this.root);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the recordings folder " + this.root, e);
    }
  }

  public Path root() {
    return root;
  }

  /**
   * A new file for one party of a call, {@code <callId>/<party>.webm}, or {@code
   * <callId>/<party>-2.webm} and so on when that name is taken: a recording is never overwritten.
   * The file is created empty, so two recorders can never be handed the same name.
   *
   * <p>When it cannot be created (the disk is full, the folder is not writable), the path returned
   * is one where no file exists, {@code <callId>/<party>-unwritten-<random>.webm}, with a warning:
   * the recorder then fails on it and the catalogue lists that recording as failed, while the call
   * itself goes on. Nothing is overwritten either way.
   */
  public Path newFile(String callId, String party) {
    Path dir = root.resolve(safeName(callId));
    try {
      Files.createDirectories(dir);
      for (int n = 1; ; n++) {
        Path file = dir.resolve(safeName(party) + (n == 1 ? "" : "-" + n) + ".webm");
        try {
          return Files.createFile(file);
        } catch (java.nio.file.FileAlreadyExistsException taken) {
          // try the next name
        }
      }
    } catch (IOException e) {
      Path unwritten =
          dir.resolve(safeName(party) + "-unwritten-" + java.util.UUID.randomUUID() + ".webm");
      LOG.warn(
          "cannot create a recording file in {} ({}); recording to {} will fail",
          dir,
          e,
          unwritten);
      return unwritten;
    }
  }

  /**
   * The path of {@code file} relative to the folder, separated by {@code /}.
   *
   * @throws IllegalArgumentException when the file is not inside the folder
   */
  public String relative(Path file) {
    Path abs = file.toAbsolutePath().normalize();
    if (!abs.startsWith(root) || abs.equals(root)) {
      throw new IllegalArgumentException("not inside the recordings folder " + root + ": " + file);
    }
    return root.relativize(abs).toString().replace(file.getFileSystem().getSeparator(), "/");
  }

  /**
   * The existing regular file a catalogued relative path names, or empty when the path is absolute,
   * leaves the folder (by {@code ..} or by a symbolic link), or names no regular file.
   */
  public Optional<Path> resolve(String relativePath) {
    if (relativePath.isEmpty()
        || relativePath.indexOf('\0') >= 0
        || relativePath.startsWith("/")
        || relativePath.contains("\\")
        || relativePath.contains(":")) {
      return Optional.empty();
    }
    Path candidate = root.resolve(relativePath).normalize();
    if (!candidate.startsWith(root) || candidate.equals(root)) {
      return Optional.empty();
    }
    try {
      Path real = candidate.toRealPath();
      if (!real.startsWith(root.toRealPath())
          || !Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
        return Optional.empty();
      }
      return Optional.of(real);
    } catch (IOException e) {
      return Optional.empty(); // missing or unreadable
    }
  }

  /** A name of only {@code [A-Za-z0-9._@-]}, never {@code .} or {@code ..}. */
  static String safeName(String s) {
    String name = UNSAFE.matcher(s).replaceAll("_");
    if (name.isEmpty() || name.chars().allMatch(c -> c == '.')) {
      name = "_" + name;
    }
    return name.length() > 100 ? name.substring(0, 100) : name;
  }
}
