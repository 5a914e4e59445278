package dev.duet.bench.media;

import dev.duet.media.engine.testing.BrowserPeer;
import dev.duet.media.engine.testing.PageServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * CPU and memory of a media server process per relayed, recorded 1v1 call: Duet's engine
 * (stand-alone jar, driven by kurento-client) against Janus 1.1.2 (VideoCall plugin, REST), the
 * same call shape (two headless Chromium pages, VP8 + Opus both ways, both directions recorded),
 * alternated in the same run.
 *
 * <pre>
 * java -jar bench/media/target/duet-bench-media.jar [--runs 3] [--warmup 10] [--window 30]
 *     [--only engine|janus] [--engine-jar media/engine/target/duet-media-engine.jar]
 *     [--out bench/media/target/media-runs] [--record true|false]
 * </pre>
 *
 * <p>{@code --record false} relays without recording (both servers), to tell the cost of the
 * forwarding path from the cost of the recording path.
 */
public final class MediaBench {
  private MediaBench() {}

  /** One media server under test, started fresh for each run. */
  interface Server extends AutoCloseable {
    String name();

    long pid();

    /**
     * Sets up the relayed call between the two pages, recorded both ways if {@code record}; returns
     * once media flows (and, if recording, once recording).
     */
    void call(BrowserPeer a, BrowserPeer b, boolean record) throws Exception;

    /** Sampled once after the window (engine: JVM heap used, MB); NaN if not applicable. */
    double heapUsedMb();

    /** Stops recording and hangs up (outside the measured window). */
    void hangUp() throws Exception;

    /** Bytes of recordings on disk and a note on their validity (after stop). */
    String recordingSummary() throws Exception;
  }

  record Result(
      String server,
      int run,
      boolean ok,
      String error,
      double cpuPct,
      double rssMeanMb,
      double rssMaxMb,
      int threads,
      double heapUsedMb,
      long framesA,
      long framesB,
      long audioA,
      long audioB,
      double machineBusyPct,
      String topThreads,
      String recordings) {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    int runs = Integer.parseInt(opt.getOrDefault("runs", "3"));
    int warmup = Integer.parseInt(opt.getOrDefault("warmup", "10"));
    int window = Integer.parseInt(opt.getOrDefault("window", "30"));
    String only = opt.getOrDefault("only", "");
    boolean record = Boolean.parseBoolean(opt.getOrDefault("record", "true"));
    Path engineJar =
        Path.of(opt.getOrDefault("engine-jar", "media/engine/target/duet-media-engine.jar"))
            .toAbsolutePath();
    Path out = Path.of(opt.getOrDefault("out", "bench/media/target/media-runs")).toAbsolutePath();
    Files.createDirectories(out);
    System.setProperty("kurento.client.requestTimeout", "15000");

    System.out.printf(
        "media bench: %d runs each, warm-up %d s, window %d s, %s, started %s%n",
        runs, warmup, window, record ? "recorded" : "not recorded", Instant.now());
    List<Result> results = new ArrayList<>();
    try (PageServer page = new PageServer()) {
      for (int run = 1; run <= runs; run++) {
        for (String kind : new String[] {"janus", "engine"}) {
          if (!only.isEmpty() && !only.equals(kind)) {
            continue;
          }
          Path dir = out.resolve("run" + run + "-" + kind);
          Files.createDirectories(dir);
          Result r = oneRun(kind, run, dir, engineJar, page, warmup, window, record);
          results.add(r);
          System.out.println(line(r));
        }
      }
    }
    String report = report(results, warmup, window);
    System.out.println(report);
    Files.writeString(out.resolve("results.md"), report);
  }

  private static Result oneRun(
      String kind,
      int run,
      Path dir,
      Path engineJar,
      PageServer page,
      int warmup,
      int window,
      boolean record) {
    System.out.printf("--- run %d: %s ---%n", run, kind);
    try (Server server =
            kind.equals("engine") ? new EngineServer(engineJar, dir) : new JanusServer(dir);
        BrowserPeer a = new BrowserPeer(page.url());
        BrowserPeer b = new BrowserPeer(page.url())) {
      server.call(a, b, record);
      awaitFrames(a, b, 30);
      TimeUnit.SECONDS.sleep(warmup);

      long pid = server.pid();
      System.out.printf("window start: %s pid %d%n", kind, pid);
      long fa0 = a.framesDecoded();
      long fb0 = b.framesDecoded();
      long aa0 = audio(a);
      long ab0 = audio(b);
      long[] busy0 = machineTicks();
      Map<String, Long> th0 = ProcStats.threadTicks(pid);
      long t0 = System.nanoTime();
      long ticks0 = ProcStats.cpuTicks(pid);
      double rssSum = 0;
      long rssMax = 0;
      int samples = 0;
      int threads = 0;
      long end = t0 + TimeUnit.SECONDS.toNanos(window);
      while (System.nanoTime() < end) {
        long rss = ProcStats.statusKb(pid, "VmRSS");
        rssSum += rss;
        rssMax = Math.max(rssMax, rss);
        samples++;
        threads = Math.max(threads, (int) ProcStats.statusKb(pid, "Threads"));
        long left = end - System.nanoTime();
        TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.SECONDS.toNanos(1)));
      }
      long ticks1 = ProcStats.cpuTicks(pid);
      long t1 = System.nanoTime();
      Map<String, Long> th1 = ProcStats.threadTicks(pid);
      long[] busy1 = machineTicks();
      long fa1 = a.framesDecoded();
      long fb1 = b.framesDecoded();
      long aa1 = audio(a);
      long ab1 = audio(b);
      double heap = server.heapUsedMb();

      double seconds = (t1 - t0) / 1e9;
      double cpuPct = (ticks1 - ticks0) / ProcStats.USER_HZ / seconds * 100.0;
      double busyPct =
          100.0 * (busy1[0] - busy0[0]) / Math.max(1, busy1[1] - busy0[1]) * 2; // of 1 core, x2
      String top = topThreads(th0, th1, seconds);
      String rec;
      try {
        server.hangUp();
        rec = server.recordingSummary();
      } catch (Exception e) {
        rec = "stop/summary failed: " + e;
      }
      boolean ok = fa1 - fa0 > 0 && fb1 - fb0 > 0;
      return new Result(
          kind,
          run,
          ok,
          ok ? "" : "no video decoded during the window",
          cpuPct,
          rssSum / samples / 1024.0,
          rssMax / 1024.0,
          threads,
          heap,
          fa1 - fa0,
          fb1 - fb0,
          aa1 - aa0,
          ab1 - ab0,
          busyPct,
          top,
          rec);
    } catch (Exception e) {
      e.printStackTrace();
      return new Result(
          kind, run, false, String.valueOf(e), 0, 0, 0, 0, Double.NaN, 0, 0, 0, 0, 0, "", "");
    }
  }

  private static long audio(BrowserPeer p) {
    return ((Number) p.stats().get("audioPackets")).longValue();
  }

  private static void awaitFrames(BrowserPeer a, BrowserPeer b, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (a.framesDecoded() > 0 && b.framesDecoded() > 0) {
        return;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(
        "media did not flow both ways within " + seconds + " s: " + a.stats() + " / " + b.stats());
  }

  /** [busy, total] jiffies of the whole machine from /proc/stat. */
  private static long[] machineTicks() throws IOException {
    String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
    long total = 0;
    for (int i = 1; i < f.length; i++) {
      total += Long.parseLong(f[i]);
    }
    long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
    return new long[] {total - idle, total};
  }

  /** Thread names with the most CPU over the window (threads of one name summed), % of a core. */
  private static String topThreads(Map<String, Long> before, Map<String, Long> after, double s) {
    Map<String, Long> byName = new HashMap<>();
    Map<String, Integer> count = new HashMap<>();
    for (Map.Entry<String, Long> e : after.entrySet()) {
      long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      String name = e.getKey().substring(e.getKey().indexOf(' ') + 1).replaceAll("[0-9]+", "N");
      byName.merge(name, d, Long::sum);
      count.merge(name, 1, Integer::sum);
    }
    return byName.entrySet().stream()
        .filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(8)
        .map(
            e ->
                String.format(
                    Locale.ROOT,
                    "%s x%d %.1f%%",
                    e.getKey(),
                    count.get(e.getKey()),
                    e.getValue() / ProcStats.USER_HZ / s * 100))
        .collect(Collectors.joining(", "));
  }

  private static String line(Result r) {
    return String.format(
        Locale.ROOT,
        "%s run %d: %s cpu %.1f%% of a core, rss mean %.1f MB max %.1f MB, threads %d, heap %.1f MB,"
            + " frames decoded A %d B %d, audio pkts A %d B %d, machine busy %.0f%% of 1 core;"
            + " top threads: %s; recordings: %s %s",
        r.server(),
        r.run(),
        r.ok() ? "OK" : "FAILED",
        r.cpuPct(),
        r.rssMeanMb(),
        r.rssMaxMb(),
        r.threads(),
        r.heapUsedMb(),
        r.framesA(),
        r.framesB(),
        r.audioA(),
        r.audioB(),
        r.machineBusyPct(),
        r.topThreads(),
        r.recordings(),
        r.error());
  }

  private static double median(List<Double> v) {
    List<Double> s = v.stream().sorted().toList();
    int n = s.size();
    if (n == 0) {
      return Double.NaN;
    }
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static String report(List<Result> results, int warmup, int window) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "%n| server | run | ok | CPU %% of 1 core | RSS mean MB | RSS max MB | threads | heap used MB"
                + " | frames decoded A/B in %d s | machine busy %% of 1 core |%n"
                + "|---|---|---|---|---|---|---|---|---|---|%n",
            window));
    for (Result r : results) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %s | %.1f | %.1f | %.1f | %d | %s | %d / %d | %.0f |%n",
              r.server(),
              r.run(),
              r.ok() ? "yes" : "NO: " + r.error(),
              r.cpuPct(),
              r.rssMeanMb(),
              r.rssMaxMb(),
              r.threads(),
              Double.isNaN(r.heapUsedMb())
                  ? "-"
                  : String.format(Locale.ROOT, "%.1f", r.heapUsedMb()),
              r.framesA(),
              r.framesB(),
              r.machineBusyPct()));
    }
    sb.append(
        "\n| server | valid runs | CPU % median (min-max) | RSS mean MB median (min-max) |\n");
    sb.append("|---|---|---|---|\n");
    Map<String, Double> med = new HashMap<>();
    for (String s : new String[] {"janus", "engine"}) {
      List<Result> ok = results.stream().filter(r -> r.server().equals(s) && r.ok()).toList();
      if (ok.isEmpty()) {
        continue;
      }
      List<Double> cpu = ok.stream().map(Result::cpuPct).toList();
      List<Double> rss = ok.stream().map(Result::rssMeanMb).toList();
      med.put(s, median(cpu));
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.1f (%.1f-%.1f) | %.1f (%.1f-%.1f) |%n",
              s,
              ok.size(),
              median(cpu),
              cpu.stream().min(Comparator.naturalOrder()).get(),
              cpu.stream().max(Comparator.naturalOrder()).get(),
              median(rss),
              rss.stream().min(Comparator.naturalOrder()).get(),
              rss.stream().max(Comparator.naturalOrder()).get()));
    }
    if (med.containsKey("janus") && med.containsKey("engine")) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%nengine/Janus CPU ratio (medians): %.2f%n",
              med.get("engine") / med.get("janus")));
    }
    sb.append(String.format(Locale.ROOT, "%nwarm-up %d s, window %d s%n", warmup, window));
    for (Result r : results) {
      sb.append(
          String.format(
              "- %s run %d top threads: %s; recordings: %s%n",
              r.server(), r.run(), r.topThreads(), r.recordings()));
    }
    return sb.toString();
  }
}
