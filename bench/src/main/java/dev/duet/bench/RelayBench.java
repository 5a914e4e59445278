package dev.duet.bench;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;

/**
 * {@code relay}: with N idle authenticated connections held by {@link LoadAgent}s, P caller/callee
 * pairs relay a 3 KB SDP through the server: the caller sends an offer, the callee answers with the
 * same SDP, at a fixed total rate. Per server it records the one-way latency of every relayed
 * message at its receiver, and the caller's round trip (offer there, answer back: two relayed
 * messages, the shape of the calibration in BENCH-NOTES), in microseconds; server CPU seconds from
 * /proc over the measured window. Servers take turns within each run, so ratios are same-run.
 *
 * <p>Options: {@code --servers duet,ws,peerjs,jetty --idle 10000 --pairs 50 --rate 500} (round
 * trips per second: 1000 relayed messages per second) {@code --warmup 10 --seconds 30 --runs 3}.
 */
public final class RelayBench {
  private RelayBench() {}

  record Result(
      Kind kind,
      Histogram oneWay,
      Histogram roundTrip,
      long sent,
      long answered,
      long errors,
      double cpu,
      int idle) {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = Report.opts(args);
    List<Kind> kinds = Report.kinds(o.getOrDefault("servers", "duet,ws,peerjs,jetty"));
    int idle = Integer.parseInt(o.getOrDefault("idle", "10000"));
    int pairs = Integer.parseInt(o.getOrDefault("pairs", "50"));
    int rate = Integer.parseInt(o.getOrDefault("rate", "500"));
    int warmup = Integer.parseInt(o.getOrDefault("warmup", "10"));
    int seconds = Integer.parseInt(o.getOrDefault("seconds", "30"));
    int runs = Integer.parseInt(o.getOrDefault("runs", "3"));
    int sdpBytes = Integer.parseInt(o.getOrDefault("sdp-bytes", "3000"));
    Report report =
        new Report(
            "relay", "Relay: 3 KB SDP relayed beside idle connections", Report.cmd("relay", args));
    Map<Kind, List<Result>> all = new EnumMap<>(Kind.class);
    List<List<String>> raw = new ArrayList<>();
    for (int run = 1; run <= runs; run++) {
      List<Kind> order = new ArrayList<>(kinds);
      java.util.Collections.rotate(order, -(run - 1)); // no server always goes first
      for (Kind kind : order) {
        Result r = measure(kind, idle, pairs, rate, warmup, seconds, sdpBytes, run);
        all.computeIfAbsent(kind, k -> new ArrayList<>()).add(r);
        raw.add(row(run, r, seconds));
        System.out.println(String.join(" | ", row(run, r, seconds)));
      }
    }
    report.line(
        Report.f(
            "- Shape: %d idle authenticated connections (load-agent JVMs on 127.0.0.2, .3, ...;"
                + " heartbeat once a minute) plus %d caller/callee pairs in the bench JVM"
                + " (127.0.0.1). Callers send %d offers/s in total (spread evenly over the pairs),"
                + " each a %d-byte SDP; the callee answers at once with the same SDP: %d relayed"
                + " messages/s. Duet: an accepted call per pair, `sdp.offer`/`sdp.answer`, acks"
                + " every 32 messages; Node ws and bare Jetty: `{dst, payload}`; PeerJS:"
                + " OFFER/ANSWER `{type, dst, payload}` of the same size. %d s warm-up (not"
                + " recorded), %d s measured; %d runs, servers in rotating order. Latency: one-way"
                + " = sender's send to receiver's receipt, both in the bench JVM (System.nanoTime),"
                + " timestamp inside the SDP; round trip = offer sent to answer received. Sender"
                + " times are actual send times (no coordinated-omission correction). JVM servers: %s.",
            idle, pairs, rate, sdpBytes, 2 * rate, warmup, seconds, runs, Target.jvmFlags()));
    report.line(
        "\nMedians over runs (min-max in brackets), one-way latency per relayed message, ms:");
    List<List<String>> rows = new ArrayList<>();
    for (Kind k : kinds) {
      List<Result> rs = all.get(k);
      rows.add(
          List.of(
              k.label,
              Report.mmm(pct(rs, 50, false), "%.2f"),
              Report.mmm(pct(rs, 99, false), "%.2f"),
              Report.mmm(pct(rs, 99.9, false), "%.2f"),
              Report.mmm(pct(rs, 100, false), "%.1f"),
              Report.mmm(rs.stream().map(r -> r.cpu()).toList(), "%.1f"),
              Report.mmm(
                  rs.stream()
                      .map(r -> 1000 * r.cpu() / Math.max(1, r.oneWay().getTotalCount()))
                      .toList(),
                  "%.3f"),
              Long.toString(
                  rs.stream()
                      .mapToLong(r -> r.errors() + (r.sent() * 2 - r.oneWay().getTotalCount()))
                      .sum())));
    }
    report.table(
        List.of(
            "server",
            "p50",
            "p99",
            "p99.9",
            "max",
            "CPU s / " + seconds + " s",
            "CPU s per 1000 msgs",
            "errors (all runs)"),
        rows);
    report.line("Round trip (offer there, answer back), ms:");
    List<List<String>> rt = new ArrayList<>();
    for (Kind k : kinds) {
      List<Result> rs = all.get(k);
      rt.add(
          List.of(
              k.label,
              Report.mmm(pct(rs, 50, true), "%.2f"),
              Report.mmm(pct(rs, 99, true), "%.2f"),
              Report.mmm(pct(rs, 99.9, true), "%.2f"),
              Report.mmm(pct(rs, 100, true), "%.1f")));
    }
    report.table(List.of("server", "p50", "p99", "p99.9", "max"), rt);
    if (all.containsKey(Kind.DUET)) {
      report.line(
          "Same-run ratios (median over runs of Duet's figure / the reference's figure in the same run, one-way):");
      List<List<String>> ratios = new ArrayList<>();
      for (Kind ref : kinds) {
        if (ref == Kind.DUET) {
          continue;
        }
        List<String> r = new ArrayList<>();
        r.add("Duet / " + ref.label);
        for (double p : new double[] {50, 99, 99.9, 100}) {
          List<Double> xs = new ArrayList<>();
          for (int i = 0; i < runs; i++) {
            xs.add(ms(all.get(Kind.DUET).get(i).oneWay(), p) / ms(all.get(ref).get(i).oneWay(), p));
          }
          r.add(Report.mmm(xs, "%.2f"));
        }
        List<Double> cpu = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
          cpu.add(all.get(Kind.DUET).get(i).cpu() / all.get(ref).get(i).cpu());
        }
        r.add(Report.mmm(cpu, "%.2f"));
        ratios.add(r);
      }
      report.table(List.of("ratio", "p50", "p99", "p99.9", "max", "CPU"), ratios);
      double duetP99 = Report.median(pct(all.get(Kind.DUET), 99, false));
      double duetMax = Report.median(pct(all.get(Kind.DUET), 100, false));
      if (all.containsKey(Kind.NODE_WS)) {
        double wsP99 = Report.median(pct(all.get(Kind.NODE_WS), 99, false));
        report.line(
            Report.f(
                "Goal: p99 no worse than Node ws in the same run: Duet %.2f ms vs %.2f ms (%s); max < 50 ms: Duet's median max %.1f ms (%s).",
                duetP99,
                wsP99,
                duetP99 <= wsP99
                    ? "met"
                    : Report.f("missed by %.2f ms, x%.2f", duetP99 - wsP99, duetP99 / wsP99),
                duetMax,
                duetMax < 50 ? "met" : "missed"));
      }
    }
    StringBuilder dat = new StringBuilder("# server p50 p99 p99.9 max\n");
    for (Kind k : kinds) {
      List<Result> rs = all.get(k);
      dat.append('"').append(k.label).append('"');
      for (double p : new double[] {50, 99, 99.9, 100}) {
        dat.append(' ').append(Report.median(pct(rs, p, false)));
      }
      dat.append('\n');
    }
    report.chart(
        "latency",
        dat.toString(),
        "set style data histogram\nset style histogram cluster gap 1\nset style fill solid 0.8\nset logscale y\n"
            + "set ylabel 'one-way latency, ms (log)'\nset title 'Relayed 3 KB messages beside "
            + idle
            + " idle connections (median of "
            + runs
            + " runs)'\n"
            + "set key left top\nset grid ytics\nplot dat using 2:xtic(1) title 'p50', '' using 3 title 'p99', '' using 4 title 'p99.9', '' using 5 title 'max'\n");
    report.line("\nRaw, per run (one-way latency, ms):");
    report.table(
        List.of(
            "run",
            "server",
            "relayed",
            "p50",
            "p99",
            "p99.9",
            "max",
            "RT p50",
            "RT p99",
            "RT max",
            "CPU s",
            "errors",
            "idle held"),
        raw);
    report.write();
  }

  static List<String> row(int run, Result r, int seconds) {
    return List.of(
        Integer.toString(run),
        r.kind().label,
        Long.toString(r.oneWay().getTotalCount()),
        Report.f("%.2f", ms(r.oneWay(), 50)),
        Report.f("%.2f", ms(r.oneWay(), 99)),
        Report.f("%.2f", ms(r.oneWay(), 99.9)),
        Report.f("%.1f", ms(r.oneWay(), 100)),
        Report.f("%.2f", ms(r.roundTrip(), 50)),
        Report.f("%.2f", ms(r.roundTrip(), 99)),
        Report.f("%.1f", ms(r.roundTrip(), 100)),
        Report.f("%.1f", r.cpu()),
        Long.toString(r.errors()),
        Integer.toString(r.idle()));
  }

  static double ms(Histogram h, double p) {
    return (p >= 100 ? h.getMaxValue() : h.getValueAtPercentile(p)) / 1000.0;
  }

  static List<Double> pct(List<Result> rs, double p, boolean roundTrip) {
    return rs.stream().map(r -> ms(roundTrip ? r.roundTrip() : r.oneWay(), p)).toList();
  }

  static final class Pair {
    Conn caller;
    Conn callee;
    final String callId;
    final CompletableFuture<Void> incoming = new CompletableFuture<>();
    final CompletableFuture<Void> accepted = new CompletableFuture<>();

    Pair(String callId) {
      this.callId = callId;
    }
  }

  static Result measure(
      Kind kind, int idle, int pairs, int rate, int warmup, int seconds, int sdpBytes, int run)
      throws Exception {
    Recorder oneWay = new Recorder(3);
    Recorder roundTrip = new Recorder(3);
    AtomicLong answered = new AtomicLong();
    AtomicLong serverErrors = new AtomicLong();
    long errorsBefore = Conn.ERRORS.get();
    try (Target t = Target.start(kind, Map.of());
        Agents agents = new Agents(t, Agents.needed(idle))) {
      long held = idle > 0 ? agents.open(idle) : 0;
      WebSocketCoreClient client = Conn.client("127.0.0.1");
      List<Pair> ps = new ArrayList<>();
      for (int i = 0; i < pairs; i++) {
        Pair p = new Pair("bench-" + run + "-" + i);
        ps.add(p);
        Conn.Listener onCaller =
            (c, text) -> {
              if (kind.isAnswer(text)) {
                long now = System.nanoTime();
                // the callee put its own send time first and the offer's after it
                oneWay.recordValue(Math.max(0, (now - Kind.stamp(text)) / 1000));
                roundTrip.recordValue(Math.max(0, (now - Kind.secondStamp(text)) / 1000));
                answered.incrementAndGet();
              } else if (text.contains("\"type\":\"call.accepted\"")) {
                p.accepted.complete(null);
              } else if (text.contains("\"type\":\"error\"")
                  || text.contains("\"type\":\"ERROR\"")) {
                serverErrors.incrementAndGet();
              }
              if (c.unacked() >= 32) {
                c.ack();
              }
            };
        Conn.Listener onCallee =
            (c, text) -> {
              if (kind.isOffer(text)) {
                long stamp = Kind.stamp(text);
                oneWay.recordValue(Math.max(0, (System.nanoTime() - stamp) / 1000));
                c.send(
                    kind.relay(
                        p.callId,
                        p.caller.user,
                        Kind.sdpOf(text)
                            .replace("o=- " + stamp, "o=- " + System.nanoTime() + " " + stamp),
                        true));
              } else if (text.contains("\"type\":\"call.incoming\"")) {
                p.incoming.complete(null);
              } else if (text.contains("\"type\":\"error\"")
                  || text.contains("\"type\":\"ERROR\"")) {
                serverErrors.incrementAndGet();
              }
              if (c.unacked() >= 32) {
                c.ack();
              }
            };
        p.caller =
            new Conn(kind, "relay" + run + "a" + i, onCaller)
                .connect(client, t.url("relay" + run + "a" + i));
        p.callee =
            new Conn(kind, "relay" + run + "b" + i, onCallee)
                .connect(client, t.url("relay" + run + "b" + i));
      }
      for (Pair p : ps) {
        p.caller.ready.get(60, TimeUnit.SECONDS);
        p.callee.ready.get(60, TimeUnit.SECONDS);
        if (kind == Kind.DUET) {
          p.caller.send(
              "{\"type\":\"call.invite\",\"callId\":\""
                  + p.callId
                  + "\",\"to\":\""
                  + p.callee.user
                  + "\"}");
          p.incoming.get(30, TimeUnit.SECONDS);
          p.callee.send("{\"type\":\"call.accept\",\"callId\":\"" + p.callId + "\"}");
          p.accepted.get(30, TimeUnit.SECONDS);
        }
      }
      long interval = 1_000_000_000L / rate;
      long start = System.nanoTime();
      long measureFrom = start + warmup * 1_000_000_000L;
      long end = measureFrom + seconds * 1_000_000_000L;
      double cpu0 = 0;
      boolean measuring = false;
      long sent = 0;
      long next = start;
      int k = 0;
      while (true) {
        long now = System.nanoTime();
        if (!measuring && now >= measureFrom) {
          oneWay.getIntervalHistogram(); // drop the warm-up
          roundTrip.getIntervalHistogram();
          cpu0 = t.cpuSeconds();
          measuring = true;
          sent = 0;
        }
        if (now >= end) {
          break;
        }
        if (now < next) {
          LockSupport.parkNanos(next - now);
          continue;
        }
        Pair p = ps.get(k++ % pairs);
        p.caller.send(
            kind.relay(p.callId, p.callee.user, Kind.sdp(System.nanoTime(), sdpBytes), false));
        sent++;
        next += interval;
      }
      double cpu = t.cpuSeconds() - cpu0;
      Thread.sleep(2000); // drain: late answers still count
      Histogram ow = oneWay.getIntervalHistogram();
      Histogram rt = roundTrip.getIntervalHistogram();
      long errors = serverErrors.get() + Conn.ERRORS.get() - errorsBefore;
      client.stop();
      return new Result(kind, ow, rt, sent, answered.get(), errors, cpu, (int) held);
    }
  }
}
