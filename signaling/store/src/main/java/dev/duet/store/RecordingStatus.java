package dev.duet.store;

import java.util.Locale;

/** How a recording turned out, as checked after the recorder stopped. */
public enum RecordingStatus {
  /** Complete, non-empty and playable. */
  OK,
  /** Playable but cut short (media failed or the server stopped during the call). */
  PARTIAL,
  /** Missing, empty or unplayable. */
  FAILED;

  /** The stored (and JSON) name: {@code ok}, {@code partial}, {@code failed}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The status named {@code wireName}.
   *
   * @throws IllegalArgumentException for any other name
   */
  public static RecordingStatus fromWireName(String wireName) {
    for (RecordingStatus status : values()) {
      if (status.wireName().equals(wireName)) {
        return status;
      }
    }
    throw new IllegalArgumentException("unknown recording status: " + wireName);
  }
}
