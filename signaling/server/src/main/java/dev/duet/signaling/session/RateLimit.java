package dev.duet.signaling.session;

/** A token bucket: {@code perSecond} tokens a second, bursts up to twice that. Thread-safe. */
public final class RateLimit {
  private final double perNano;
  private final double burst;
  private double tokens;
  private long last;

  public RateLimit(int perSecond, long nowNanos) {
    this.perNano = perSecond / 1e9;
    this.burst = Math.max(1, perSecond * 2.0);
    this.tokens = burst;
    this.last = nowNanos;
  }

  /** Takes one token if there is one. */
  public synchronized boolean tryAcquire(long nowNanos) {
    tokens = Math.min(burst, tokens + (nowNanos - last) * perNano);
    last = nowNanos;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
