package dev.duet.signaling;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counters exported at {@code /metrics} in Prometheus text format. Thread-safe. */
public final class Metrics {
  private final AtomicLong openConnections = new AtomicLong();
  private final LongAdder messagesIn = new LongAdder();
  private final LongAdder messagesOut = new LongAdder();
  private final LongAdder httpRequests = new LongAdder();
  private final Map<String, LongAdder> answeredCallsByPath = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> recordingsByStatus = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> connectionsByTransport = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> authByCredential = new ConcurrentHashMap<>();
  // How long server messages wait in their session's outbox before a transport first takes them:
  // a histogram, upper bounds in seconds (the last bucket counts the rest).
  static final double[] DELAY_BOUNDS = {0.001, 0.005, 0.025, 0.1, 0.5, 2.5, 10, 60};
  private final LongAdder[] delayBuckets = adders(DELAY_BOUNDS.length + 1);
  private final LongAdder delayNanos = new LongAdder();

  private static LongAdder[] adders(int n) {
    LongAdder[] a = new LongAdder[n];
    for (int i = 0; i < n; i++) {
      a[i] = new LongAdder();
    }
    return a;
  }

  public void connectionOpened(String transport) {
    openConnections.incrementAndGet();
    connectionsByTransport.computeIfAbsent(transport, t -> new LongAdder()).increment();
  }

  public void connectionClosed(String transport) {
    openConnections.decrementAndGet();
    connectionsByTransport.computeIfAbsent(transport, t -> new LongAdder()).decrement();
  }

  /** A request authenticated with {@code credential}: header, ticket or query. */
  public void authenticated(String credential) {
    authByCredential.computeIfAbsent(credential, c -> new LongAdder()).increment();
  }

  public void messageIn() {
    messagesIn.increment();
  }

  /** An answered call ended; {@code path} is where its media went (p2p or relay). */
  public void answeredCallEnded(String path) {
    answeredCallsByPath.computeIfAbsent(path, p -> new LongAdder()).increment();
  }

  /** A recording was catalogued with this status (ok, partial, failed). */
  public void recordingCatalogued(String status) {
    recordingsByStatus.computeIfAbsent(status, st -> new LongAdder()).increment();
  }

  /** Every HTTP request, WebSocket upgrades included. */
  public void httpRequest() {
    httpRequests.increment();
  }

  public void messageOut() {
    messagesOut.increment();
  }

  /**
   * A server message waited {@code nanos} in its session's outbox before a transport first took it:
   * the server's part of a message's latency (a detached session's messages wait until the client
   * resumes).
   */
  public void messageDelay(long nanos) {
    double seconds = Math.max(0, nanos) / 1e9;
    int i = 0;
    while (i < DELAY_BOUNDS.length && seconds > DELAY_BOUNDS[i]) {
      i++;
    }
    delayBuckets[i].increment();
    delayNanos.add(Math.max(0, nanos));
  }

  public void error(String code) {
    errors.computeIfAbsent(code, c -> new LongAdder()).increment();
  }

  public long openConnections() {
    return openConnections.get();
  }

  public long messagesIn() {
    return messagesIn.sum();
  }

  public long messagesOut() {
    return messagesOut.sum();
  }

  /** Renders the counters plus the given call gauges (Prometheus text format). */
  public String render(Map<String, Long> callsByState, Map<String, Long> callsEnded, int sessions) {
    StringBuilder b = new StringBuilder();
    family(b, "duet_open_connections", "gauge", "Transport connections open now.");
    sample(b, "duet_open_connections", openConnections.get());
    series(b, "duet_open_connections_by_transport", "transport", sums(connectionsByTransport));
    family(b, "duet_sessions", "gauge", "Sessions attached or within their resume grace.");
    sample(b, "duet_sessions", sessions);
    family(b, "duet_calls", "gauge", "Live calls by state.");
    series(b, "duet_calls", "state", callsByState);
    family(b, "duet_calls_ended_total", "counter", "Ended calls by end reason.");
    series(b, "duet_calls_ended_total", "reason", callsEnded);
    family(b, "duet_messages_in_total", "counter", "Client messages received.");
    sample(b, "duet_messages_in_total", messagesIn.sum());
    family(b, "duet_messages_out_total", "counter", "Server messages sent.");
    sample(b, "duet_messages_out_total", messagesOut.sum());
    delayHistogram(b);
    family(b, "duet_answered_calls_total", "counter", "Answered calls that ended, by media path.");
    series(b, "duet_answered_calls_total", "path", sums(answeredCallsByPath));
    family(
        b,
        "duet_recordings_total",
        "counter",
        "Recordings catalogued, by status (failed = a gap).");
    series(b, "duet_recordings_total", "status", sums(recordingsByStatus));
    family(
        b, "duet_http_requests_total", "counter", "HTTP requests (WebSocket upgrades included).");
    sample(b, "duet_http_requests_total", httpRequests.sum());
    family(
        b,
        "duet_authentications_total",
        "counter",
        "Authenticated requests by credential (header, ticket, or query: a token in the URL).");
    series(b, "duet_authentications_total", "credential", sums(authByCredential));
    family(b, "duet_errors_total", "counter", "Error replies by code.");
    series(b, "duet_errors_total", "code", sums(errors));
    return b.toString();
  }

  private void delayHistogram(StringBuilder b) {
    String name = "duet_message_delay_seconds";
    family(
        b,
        name,
        "histogram",
        "Time server messages waited in their session's outbox before first taken for sending.");
    long cumulative = 0;
    for (int i = 0; i <= DELAY_BOUNDS.length; i++) {
      cumulative += delayBuckets[i].sum();
      String le = i < DELAY_BOUNDS.length ? String.valueOf(DELAY_BOUNDS[i]) : "+Inf";
      b.append(name)
          .append("_bucket{le=\"")
          .append(le)
          .append("\"} ")
          .append(cumulative)
          .append('\n');
    }
    b.append(name).append("_sum ").append(delayNanos.sum() / 1e9).append('\n');
    b.append(name).append("_count ").append(cumulative).append('\n');
  }

  private static void family(StringBuilder b, String name, String type, String help) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void sample(StringBuilder b, String name, long value) {
    b.append(name).append(' ').append(value).append('\n');
  }

  /** One sample per label value, in label order. */
  private static void series(StringBuilder b, String name, String label, Map<String, Long> values) {
    new TreeMap<>(values)
        .forEach(
            (value, n) ->
                b.append(name)
                    .append('{')
                    .append(label)
                    .append("=\"")
                    .append(value)
                    .append("\"} ")
                    .append(n)
                    .append('\n'));
  }

  private static Map<String, Long> sums(Map<String, LongAdder> adders) {
    Map<String, Long> out = new java.util.HashMap<>(); // series() sorts
    adders.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
