package dev.duet.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;

/**
 * {@code churn}: whole call lifecycles against Duet, W at a time: two fresh connections (JWT in the
 * query string), invite, accept, a 3 KB offer and answer, 10 ICE candidates each way, hang-up,
 * normal close. Reports cycles per second, cycle latency, server CPU per cycle, and heap after GC,
 * threads, file descriptors and RSS before and after (each read after the resume grace has run out,
 * so the closed sessions have ended). Clients use source addresses 127.0.0.10..17 (TIME_WAIT
 * spreads over them).
 *
 * <p>Options: {@code --cycles 20000 --warmup 2000 --workers 16 --grace 10s --heartbeat 300s --runs
 * 1}.
 */
public final class ChurnBench {
  private ChurnBench() {}

  record Snapshot(long heap, long threads, long fds, long rss) {}

  record Result(
      int cycles,
      double seconds,
      double cpu,
      Histogram latency,
      long failed,
      Snapshot before,
      Snapshot after) {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = Report.opts(args);
    int cycles = Integer.parseInt(o.getOrDefault("cycles", "20000"));
    int warmup = Integer.parseInt(o.getOrDefault("warmup", "2000"));
    int workers = Integer.parseInt(o.getOrDefault("workers", "16"));
    int runs = Integer.parseInt(o.getOrDefault("runs", "1"));
    String grace = o.getOrDefault("grace", "10s");
    String heartbeat = o.getOrDefault("heartbeat", "300s");
    long graceMs = dev.duet.signaling.Config.duration(grace).toMillis();
    Report report =
        new Report(
            "churn",
            "Churn: connect, authenticate, call, hang up, close",
            Report.cmd("churn", args));
    List<Result> results = new ArrayList<>();
    for (int run = 1; run <= runs; run++) {
      results.add(measure(cycles, warmup, workers, grace, graceMs, heartbeat));
    }
    report.line(
        Report.f(
            "- Shape: %d concurrent workers, each repeating: two fresh WebSocket connections (JWT in the"
                + " query string; source addresses 127.0.0.10..17), `call.invite`, `call.accept`, a 3,000-byte"
                + " `sdp.offer` and `sdp.answer`, 10 `ice.candidate` each way, `call.hangup`, both"
                + " `call.ended` awaited, ack, close 1000. %d warm-up cycles, then baseline; %d measured"
                + " cycles; then the after figures. Before and after are read once the resume grace"
                + " (DUET_RESUME_GRACE=%s, shortened from 30 s so closed sessions end before the reading)"
                + " has run out, +5 s; DUET_HEARTBEAT="
                + heartbeat
                + " (the WebSocket idle timeout is twice that); heap after GC by `jcmd GC.class_histogram`. Duet %s. Runs: %d.",
            workers,
            warmup,
            cycles,
            grace,
            Target.jvmFlags(),
            runs));
    List<List<String>> rows = new ArrayList<>();
    int i = 1;
    for (Result r : results) {
      rows.add(
          List.of(
              Integer.toString(i++),
              Integer.toString(r.cycles()),
              Long.toString(r.failed()),
              Report.f("%.0f", r.cycles() / r.seconds()),
              Report.f("%.2f", r.cpu() * 1000 / r.cycles()),
              Report.f("%.1f", r.latency().getValueAtPercentile(50) / 1000.0),
              Report.f("%.1f", r.latency().getValueAtPercentile(99) / 1000.0),
              Report.f("%.0f", r.latency().getMaxValue() / 1000.0)));
    }
    report.table(
        List.of(
            "run",
            "cycles",
            "failed",
            "cycles/s",
            "server CPU ms per cycle",
            "cycle p50 ms",
            "cycle p99 ms",
            "cycle max ms"),
        rows);
    List<List<String>> growth = new ArrayList<>();
    i = 1;
    for (Result r : results) {
      growth.add(
          List.of(
              Integer.toString(i),
              "heap after GC MiB",
              Report.f("%.2f", r.before().heap() / 1048576.0),
              Report.f("%.2f", r.after().heap() / 1048576.0),
              Report.f("%+.2f", (r.after().heap() - r.before().heap()) / 1048576.0)));
      growth.add(
          List.of(
              Integer.toString(i),
              "threads",
              Long.toString(r.before().threads()),
              Long.toString(r.after().threads()),
              Report.f("%+d", r.after().threads() - r.before().threads())));
      growth.add(
          List.of(
              Integer.toString(i),
              "file descriptors",
              Long.toString(r.before().fds()),
              Long.toString(r.after().fds()),
              Report.f("%+d", r.after().fds() - r.before().fds())));
      growth.add(
          List.of(
              Integer.toString(i),
              "RSS MiB",
              Report.f("%.1f", r.before().rss() / 1048576.0),
              Report.f("%.1f", r.after().rss() / 1048576.0),
              Report.f("%+.1f", (r.after().rss() - r.before().rss()) / 1048576.0)));
      i++;
    }
    report.table(List.of("run", "figure", "baseline", "after", "growth"), growth);
    report.write();
  }

  /** The header and first 40 classes of a class histogram. */
  static String top(String histogram) {
    String[] lines = histogram.split("\n");
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < Math.min(lines.length, 44); i++) {
      b.append(lines[i]).append('\n');
    }
    for (String l : lines) {
      if (l.startsWith("Total")) {
        b.append(l).append('\n');
      }
    }
    return b.toString();
  }

  static Snapshot snapshot(Target t) throws Exception {
    return new Snapshot(t.heapAfterGc(), t.threads(), t.fds(), t.rssBytes());
  }

  static Result measure(
      int cycles, int warmup, int workers, String grace, long graceMs, String heartbeat)
      throws Exception {
    try (Target t =
        Target.start(Kind.DUET, Map.of("DUET_RESUME_GRACE", grace, "DUET_HEARTBEAT", heartbeat))) {
      List<WebSocketCoreClient> clients = new ArrayList<>();
      for (int a = 10; a <= 17; a++) {
        clients.add(Conn.client("127.0.0." + a));
      }
      ExecutorService pool = Executors.newFixedThreadPool(workers);
      Recorder latency = new Recorder(3);
      AtomicLong failed = new AtomicLong();
      run(pool, clients, t, warmup, workers, latency, failed, "w");
      Thread.sleep(graceMs + 5000); // let the warm-up's sessions end
      Snapshot before = snapshot(t);
      String histoBefore = t.histogram();
      latency.getIntervalHistogram();
      failed.set(0);
      double cpu0 = t.cpuSeconds();
      long start = System.nanoTime();
      run(pool, clients, t, cycles, workers, latency, failed, "m");
      double seconds = (System.nanoTime() - start) / 1e9;
      double cpu = t.cpuSeconds() - cpu0;
      Histogram h = latency.getIntervalHistogram();
      Thread.sleep(graceMs + 5000);
      Snapshot after = snapshot(t);
      java.nio.file.Files.createDirectories(Report.DIR);
      java.nio.file.Files.writeString(
          Report.DIR.resolve("churn-histogram-before.txt"), top(histoBefore));
      java.nio.file.Files.writeString(
          Report.DIR.resolve("churn-histogram-after.txt"), top(t.histogram()));
      pool.shutdownNow();
      for (WebSocketCoreClient c : clients) {
        c.stop();
      }
      System.out.printf(
          "churn: %d cycles in %.1f s, %d failed, cpu %.1f s; heap %d -> %d, threads %d -> %d, fds %d -> %d%n",
          cycles,
          seconds,
          failed.get(),
          cpu,
          before.heap(),
          after.heap(),
          before.threads(),
          after.threads(),
          before.fds(),
          after.fds());
      return new Result(cycles, seconds, cpu, h, failed.get(), before, after);
    }
  }

  static void run(
      ExecutorService pool,
      List<WebSocketCoreClient> clients,
      Target t,
      int cycles,
      int workers,
      Recorder latency,
      AtomicLong failed,
      String tag)
      throws Exception {
    AtomicInteger next = new AtomicInteger();
    List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      int worker = w;
      fs.add(
          pool.submit(
              () -> {
                WebSocketCoreClient client = clients.get(worker % clients.size());
                for (int n; (n = next.getAndIncrement()) < cycles; ) {
                  long t0 = System.nanoTime();
                  try {
                    cycle(client, t, "churn" + tag + worker, tag + "-" + worker + "-" + n);
                    latency.recordValue((System.nanoTime() - t0) / 1000);
                  } catch (Exception e) {
                    if (failed.incrementAndGet() <= 3) {
                      System.err.println("cycle failed: " + e);
                    }
                  }
                }
                return null;
              }));
    }
    for (var f : fs) {
      f.get();
    }
  }

  /** The call's events as each side sees them. */
  static final class Side implements Conn.Listener {
    final CompletableFuture<String> incoming = new CompletableFuture<>();
    final CompletableFuture<String> accepted = new CompletableFuture<>();
    final CompletableFuture<String> offer = new CompletableFuture<>();
    final CompletableFuture<String> answer = new CompletableFuture<>();
    final CompletableFuture<String> candidates = new CompletableFuture<>();
    final CompletableFuture<String> ended = new CompletableFuture<>();
    final CompletableFuture<String> error = new CompletableFuture<>();
    int cands;

    @Override
    public void onText(Conn c, String text) {
      if (text.startsWith("{\"type\":\"call.incoming\"")) {
        incoming.complete(text);
      } else if (text.startsWith("{\"type\":\"call.accepted\"")) {
        accepted.complete(text);
      } else if (text.startsWith("{\"type\":\"sdp.offer\"")) {
        offer.complete(text);
      } else if (text.startsWith("{\"type\":\"sdp.answer\"")) {
        answer.complete(text);
      } else if (text.startsWith("{\"type\":\"ice.candidate\"")) {
        if (++cands == 10) {
          candidates.complete(text);
        }
      } else if (text.startsWith("{\"type\":\"call.ended\"")) {
        ended.complete(text);
      } else if (text.startsWith("{\"type\":\"error\"")) {
        error.complete(text);
        incoming.completeExceptionally(new IllegalStateException(text));
        accepted.completeExceptionally(new IllegalStateException(text));
        offer.completeExceptionally(new IllegalStateException(text));
        answer.completeExceptionally(new IllegalStateException(text));
      }
    }
  }

  static String await(CompletableFuture<String> f) throws Exception {
    return f.get(15, TimeUnit.SECONDS);
  }

  static void cycle(WebSocketCoreClient client, Target t, String user, String callId)
      throws Exception {
    Side as = new Side();
    Side bs = new Side();
    Conn a = new Conn(Kind.DUET, user + "a", as).connect(client, t.url(user + "a"));
    Conn b = new Conn(Kind.DUET, user + "b", bs).connect(client, t.url(user + "b"));
    try {
      a.ready.get(15, TimeUnit.SECONDS);
      b.ready.get(15, TimeUnit.SECONDS);
      a.send("{\"type\":\"call.invite\",\"callId\":\"" + callId + "\",\"to\":\"" + b.user + "\"}");
      await(bs.incoming);
      b.send("{\"type\":\"call.accept\",\"callId\":\"" + callId + "\"}");
      await(as.accepted);
      a.send(Kind.DUET.relay(callId, b.user, Kind.sdp(System.nanoTime(), 3000), false));
      String offer = await(bs.offer);
      b.send(Kind.DUET.relay(callId, a.user, Kind.sdpOf(offer), true));
      await(as.answer);
      for (int i = 0; i < 10; i++) {
        a.send(candidate(callId, i));
        b.send(candidate(callId, i));
      }
      await(as.candidates);
      await(bs.candidates);
      a.send("{\"type\":\"call.hangup\",\"callId\":\"" + callId + "\"}");
      await(as.ended);
      await(bs.ended);
      a.ack();
      b.ack();
    } finally {
      a.close();
      b.close();
      a.closed.get(15, TimeUnit.SECONDS);
      b.closed.get(15, TimeUnit.SECONDS);
    }
  }

  static String candidate(String callId, int i) {
    return "{\"type\":\"ice.candidate\",\"callId\":\""
        + callId
        + "\",\"candidate\":{\"candidate\":\"candidate:"
        + i
        + " 1 udp 2122260223 192.168.1.23 "
        + (50000 + i)
        + " typ host generation 0 ufrag abcd network-id 1\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}";
  }
}
