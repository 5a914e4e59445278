package dev.duet.protocol;

/** What a user id is: a token's {@code sub}, at most {@value #MAX_CHARS} characters of text. */
public final class UserIds {
  /** The longest user id a token may carry. */
  public static final int MAX_CHARS = 128;

  private UserIds() {}

  /** Whether {@code s} could be a user id: 1 to {@value #MAX_CHARS} characters, no controls. */
  public static boolean plausible(String s) {
    return s != null
        && !s.isEmpty()
        && s.length() <= MAX_CHARS
        && s.chars().noneMatch(ch -> ch < 0x20 || ch == 0x7f);
  }
}
