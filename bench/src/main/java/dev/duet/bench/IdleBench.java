package dev.duet.bench;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * {@code idle}: what an idle authenticated connection costs each server. Opens connections in steps
 * (1k..18k by default) from several {@link LoadAgent} processes on 127.0.0.2, .3, ...; at each step
 * reads heap after a full GC and RSS; reports the least-squares slope per connection, per server,
 * median and min-max over the runs.
 *
 * <p>Options: {@code --servers duet,ws,peerjs,jetty --steps 1000,3000,...,18000 --runs 1}. With
 * {@code -Dduet.bench.histograms=DIR} the class histogram behind each JVM heap reading is written
 * to DIR (where the heap per connection goes).
 */
public final class IdleBench {
  private IdleBench() {}

  record Point(int conns, long heap, long rss, long external, long threads) {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = Report.opts(args);
    List<Kind> kinds = Report.kinds(o.getOrDefault("servers", "duet,ws,peerjs,jetty"));
    List<Integer> steps = new ArrayList<>();
    for (String s : o.getOrDefault("steps", "1000,3000,6000,9000,12000,15000,18000").split(",")) {
      steps.add(Integer.parseInt(s));
    }
    int runs = Integer.parseInt(o.getOrDefault("runs", "1"));
    Report report =
        new Report(
            "idle",
            "Idle authenticated connections: heap and RSS per connection",
            Report.cmd("idle", args));
    Map<Kind, List<Double>> heapSlopes = new EnumMap<>(Kind.class);
    Map<Kind, List<Double>> rssSlopes = new EnumMap<>(Kind.class);
    Map<Kind, List<Double>> extSlopes = new EnumMap<>(Kind.class);
    Map<Kind, List<Point>> lastCurve = new EnumMap<>(Kind.class);
    List<List<String>> raw = new ArrayList<>();
    for (int run = 1; run <= runs; run++) {
      for (Kind kind : kinds) {
        List<Point> curve = measure(kind, steps);
        lastCurve.put(kind, curve);
        List<Double> x = new ArrayList<>();
        List<Double> heap = new ArrayList<>();
        List<Double> rss = new ArrayList<>();
        List<Double> ext = new ArrayList<>();
        for (Point p : curve) {
          x.add((double) p.conns());
          heap.add(p.heap() / 1024.0);
          rss.add(p.rss() / 1024.0);
          ext.add(p.external() / 1024.0);
          raw.add(
              List.of(
                  Integer.toString(run),
                  kind.label,
                  Integer.toString(p.conns()),
                  Report.f("%.1f", p.heap() / 1048576.0),
                  Report.f("%.1f", p.external() / 1048576.0),
                  Report.f("%.1f", p.rss() / 1048576.0),
                  Long.toString(p.threads())));
        }
        heapSlopes.computeIfAbsent(kind, k -> new ArrayList<>()).add(Report.slope(x, heap));
        rssSlopes.computeIfAbsent(kind, k -> new ArrayList<>()).add(Report.slope(x, rss));
        extSlopes.computeIfAbsent(kind, k -> new ArrayList<>()).add(Report.slope(x, ext));
        System.out.printf(
            "run %d %s: heap %.2f KiB/conn, rss %.2f KiB/conn%n",
            run, kind.label, Report.slope(x, heap), Report.slope(x, rss));
      }
    }
    report.line(
        "- Shape: idle connections opened in steps "
            + steps
            + " by "
            + "load-agent JVMs (<= "
            + Agents.PER_AGENT
            + " each, source addresses 127.0.0.2, .3, ...); every connection authenticated with"
            + " an HS256 JWT in the query string and sends its server's heartbeat once a minute."
            + " At each step: full GC, then heap (JVM: `jcmd PID GC.class_histogram` total; Node:"
            + " `process.memoryUsage().heapUsed` after `global.gc()`), RSS from /proc. Slopes are"
            + " least squares over the steps. JVMs: "
            + Target.jvmFlags()
            + "; Duet with DUET_HEARTBEAT=300s. Runs: "
            + runs
            + " (median, min-max in brackets).");
    List<List<String>> rows = new ArrayList<>();
    for (Kind k : kinds) {
      List<Point> c = lastCurve.get(k);
      Point last = c.get(c.size() - 1);
      rows.add(
          List.of(
              k.label,
              Report.mmm(heapSlopes.get(k), "%.2f"),
              k == Kind.DUET || k == Kind.JETTY ? "-" : Report.mmm(extSlopes.get(k), "%.2f"),
              Report.mmm(rssSlopes.get(k), "%.2f"),
              Report.f("%.1f", c.get(0).heap() / 1048576.0),
              Report.f("%.1f", last.rss() / 1048576.0),
              Long.toString(last.threads())));
    }
    report.table(
        List.of(
            "server",
            "heap KiB/conn",
            "Node external KiB/conn",
            "RSS KiB/conn",
            "heap MiB at " + steps.get(0),
            "RSS MiB at " + steps.get(steps.size() - 1),
            "threads at " + steps.get(steps.size() - 1)),
        rows);
    double duet =
        heapSlopes.containsKey(Kind.DUET) ? Report.median(heapSlopes.get(Kind.DUET)) : Double.NaN;
    report.line(
        Report.f(
            "Goal: heap per idle authenticated connection <= 4 KiB. Duet: %.2f KiB (%s).",
            duet,
            duet <= 4
                ? "met"
                : Report.f("missed by %.2f KiB, %.0f%%", duet - 4, (duet / 4 - 1) * 100)));
    StringBuilder dat = new StringBuilder();
    int idx = 0;
    for (Kind k : kinds) {
      dat.append("# ").append(k.label).append("\n");
      for (Point p : lastCurve.get(k)) {
        dat.append(p.conns())
            .append(' ')
            .append(p.heap() / 1048576.0)
            .append(' ')
            .append(p.rss() / 1048576.0)
            .append('\n');
      }
      dat.append("\n\n");
      idx++;
    }
    StringBuilder plot =
        new StringBuilder(
            "set key left top\nset xlabel 'idle connections'\nset ylabel 'MiB'\nset title 'Heap after GC (solid) and RSS (dashed) vs idle connections (last run)'\nplot ");
    for (int i = 0; i < kinds.size(); i++) {
      if (i > 0) {
        plot.append(", ");
      }
      plot.append(
          Report.f(
              "dat index %d using 1:2 with linespoints lw 2 lc %d title '%s heap', dat index %d using 1:3 with lines dt 2 lc %d title '%s RSS'",
              i, i + 1, kinds.get(i).label, i, i + 1, kinds.get(i).label));
    }
    report.chart("heap", dat.toString(), plot + "\n");
    report.line("\nRaw points:");
    report.table(
        List.of(
            "run", "server", "connections", "heap MiB", "Node external MiB", "RSS MiB", "threads"),
        raw);
    report.write();
  }

  static List<Point> measure(Kind kind, List<Integer> steps) throws Exception {
    List<Point> curve = new ArrayList<>();
    try (Target t = Target.start(kind, Map.of());
        Agents agents = new Agents(t, Agents.needed(steps.get(steps.size() - 1)))) {
      int held = 0;
      for (int step : steps) {
        long ok = agents.open(step - held);
        held = step;
        if (agents.failed() > 0) {
          System.err.println(kind + ": " + agents.failed() + " connections failed at step " + step);
        }
        Thread.sleep(3000); // let the connect burst's garbage and buffers settle
        long heap = t.heapAfterGc();
        curve.add(new Point((int) ok, heap, t.rssBytes(), t.external(), t.threads()));
        System.out.printf(
            "%s %d conns: heap %.1f MiB rss %.1f MiB%n",
            kind, ok, heap / 1048576.0, t.rssBytes() / 1048576.0);
      }
    }
    return curve;
  }
}
