package dev.duet.signaling.session;

/** A token bucket: {@code perSecond} tokens a second, bursts up to twice that. Thread-safe. */
public final class RateLimit {
  private final double perNano;
  private final double burst;
  private double tokens;
  private long last;
  private int refusedInARow;

  public RateLimit(int perSecond, long nowNanos) {
    this(perSecond, Math.max(1, perSecond * 2.0), nowNanos);
  }

  /**
   * {@code perSecond} tokens a second (a fraction for slower rates), bursts up to {@code burst}.
   */
  public RateLimit(double perSecond, double burst, long nowNanos) {
    this.perNano = perSecond / 1e9;
    this.burst = burst;
    this.tokens = burst;
    this.last = nowNanos;
  }

  /** Takes one token if there is one. */
  public synchronized boolean tryAcquire(long nowNanos) {
    tokens = Math.min(burst, tokens + (nowNanos - last) * perNano);
    last = nowNanos;
    if (tokens >= 1) {
      tokens -= 1;
      refusedInARow = 0;
      return true;
    }
    refusedInARow++;
    return false;
  }

  /** Whether the bucket has refilled: forgetting it then loses nothing, a new one starts full. */
  public synchronized boolean fullAt(long nowNanos) {
    return tokens + (nowNanos - last) * perNano >= burst;
  }

  /** How many calls in a row were refused: a client that keeps going is abusive. */
  public synchronized int refusedInARow() {
    return refusedInARow;
  }
}
