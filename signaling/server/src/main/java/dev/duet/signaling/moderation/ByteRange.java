package dev.duet.signaling.moderation;

import java.util.Optional;

/**
 * One satisfiable byte range of a file of known size, from an HTTP {@code Range} header (RFC 9110
 * section 14): {@code bytes=first-last}, {@code bytes=first-} or {@code bytes=-suffixLength}.
 *
 * @param first the first byte's offset
 * @param last the last byte's offset (inclusive)
 */
public record ByteRange(long first, long last) {

  /** What a {@code Range} header asks of a file. */
  public sealed interface Ask permits Whole, Part, Unsatisfiable {}

  /** Send the whole file (no header, a header this server ignores, or several ranges). */
  public record Whole() implements Ask {}

  /** Send one range: 206. */
  public record Part(ByteRange range) implements Ask {}

  /** No byte of the range exists: 416. */
  public record Unsatisfiable() implements Ask {}

  public long length() {
    return last - first + 1;
  }

  /** {@code bytes first-last/size} */
  public String contentRange(long size) {
    return "bytes " + first + "-" + last + "/" + size;
  }

  /**
   * Reads a {@code Range} header against a file of {@code size} bytes. Malformed headers, other
   * units and multiple ranges are ignored (the whole file is sent, as RFC 9110 allows).
   */
  public static Ask parse(Optional<String> header, long size) {
    if (header.isEmpty()) {
      return new Whole();
    }
    String h = header.get().trim();
    if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
      return new Whole();
    }
    String spec = h.substring(6).trim();
    if (spec.contains(",")) {
      return new Whole();
    }
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return new Whole();
    }
    String a = spec.substring(0, dash).trim();
    String b = spec.substring(dash + 1).trim();
    try {
      if (a.isEmpty()) {
        if (b.isEmpty() || !digits(b)) {
          return new Whole();
        }
        long suffix = Long.parseLong(b);
        if (suffix == 0 || size == 0) {
          return new Unsatisfiable();
        }
        return new Part(new ByteRange(Math.max(0, size - suffix), size - 1));
      }
      if (!digits(a) || (!b.isEmpty() && !digits(b))) {
        return new Whole();
      }
      long first = Long.parseLong(a);
      long last = b.isEmpty() ? size - 1 : Long.parseLong(b);
      if (!b.isEmpty() && last < first) {
        return new Whole(); // invalid: ignored
      }
      if (first >= size) {
        return new Unsatisfiable();
      }
      return new Part(new ByteRange(first, Math.min(last, size - 1)));
    } catch (NumberFormatException tooBig) {
      return new Whole();
    }
  }

  private static boolean digits(String s) {
    return !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9');
  }
}
