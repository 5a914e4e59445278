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

  /** Renders the counters plus the given call gauges. */
  public String render(Map<String, Long> callsByState, Map<String, Long> callsEnded, int sessions) {
    StringBuilder b = new StringBuilder();
    b.append("# HELP duet_open_connections Transport connections open now.\n")
        .append("# TYPE duet_open_connections gauge\n");
    b.append("duet_open_connections ").append(openConnections.get()).append('\n');
    for (Map.Entry<String, LongAdder> e : new TreeMap<>(connectionsByTransport).entrySet()) {
      b.append("duet_open_connections_by_transport{transport=\"")
          .append(e.getKey())
          .append("\"} ")
          .append(e.getValue().sum())
          .append('\n');
    }
    b.append("# HELP duet_sessions Sessions attached or within their resume grace.\n")
        .append("# TYPE duet_sessions gauge\n")
        .append("duet_sessions ")
        .append(sessions)
        .append('\n');
    b.append("# HELP duet_calls Live calls by state.\n# TYPE duet_calls gauge\n");
    callsByState.forEach(
        (state, n) ->
            b.append("duet_calls{state=\"").append(state).append("\"} ").append(n).append('\n'));
    b.append("# HELP duet_calls_ended_total Ended calls by end reason.\n")
        .append("# TYPE duet_calls_ended_total counter\n");
    callsEnded.forEach(
        (reason, n) ->
            b.append("duet_calls_ended_total{reason=\"")
                .append(reason)
                .append("\"} ")
                .append(n)
                .append('\n'));
    b.append("# HELP duet_messages_in_total Client messages received.\n")
        .append("# TYPE duet_messages_in_total counter\n")
        .append("duet_messages_in_total ")
        .append(messagesIn.sum())
        .append('\n');
    b.append("# HELP duet_messages_out_total Server messages sent.\n")
        .append("# TYPE duet_messages_out_total counter\n")
        .append("duet_messages_out_total ")
        .append(messagesOut.sum())
        .append('\n');
    b.append("# HELP duet_answered_calls_total Answered calls that ended, by media path.\n")
        .append("# TYPE duet_answered_calls_total counter\n");
    for (Map.Entry<String, LongAdder> e : new TreeMap<>(answeredCallsByPath).entrySet()) {
      b.append("duet_answered_calls_total{path=\"")
          .append(e.getKey())
          .append("\"} ")
          .append(e.getValue().sum())
          .append('\n');
    }
    b.append("# HELP duet_recordings_total Recordings catalogued, by status (failed = a gap).\n")
        .append("# TYPE duet_recordings_total counter\n");
    for (Map.Entry<String, LongAdder> e : new TreeMap<>(recordingsByStatus).entrySet()) {
      b.append("duet_recordings_total{status=\"")
          .append(e.getKey())
          .append("\"} ")
          .append(e.getValue().sum())
          .append('\n');
    }
    b.append("# HELP duet_http_requests_total HTTP requests (WebSocket upgrades included).\n")
        .append("# TYPE duet_http_requests_total counter\n")
        .append("duet_http_requests_total ")
        .append(httpRequests.sum())
        .append('\n');
    b.append(
            "# HELP duet_authentications_total Authenticated requests by credential (header,"
                + " ticket, or query: a token in the URL).\n")
        .append("# TYPE duet_authentications_total counter\n");
    for (Map.Entry<String, LongAdder> e : new TreeMap<>(authByCredential).entrySet()) {
      b.append("duet_authentications_total{credential=\"")
          .append(e.getKey())
          .append("\"} ")
          .append(e.getValue().sum())
          .append('\n');
    }
    b.append("# HELP duet_errors_total Error replies by code.\n")
        .append("# TYPE duet_errors_total counter\n");
    for (Map.Entry<String, LongAdder> e : new TreeMap<>(errors).entrySet()) {
      b.append("duet_errors_total{code=\"")
          .append(e.getKey())
          .append("\"} ")
          .append(e.getValue().sum())
          .append('\n');
    }
    return b.toString();
  }
}
