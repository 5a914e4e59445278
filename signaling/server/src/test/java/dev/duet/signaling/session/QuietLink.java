package dev.duet.signaling.session;

/** A link that carries nothing by itself: tests ask the session for its frames. */
record QuietLink(String name) implements Link {
  @Override
  public void wake() {}

  @Override
  public void close(int code, String reason) {}

  @Override
  public String transport() {
    return "test";
  }
}
