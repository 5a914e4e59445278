package dev.duet.bench;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.duet.signaling.testing.TestServer;
import dev.duet.testsupport.Coturn;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Issue 8, {@code setup}: invite to first decoded remote frame in headless Chromium, P2P, via TURN
 * (coturn started here, {@code ?ice=relay} on both pages) and via the media relay (server with
 * {@code DUET_MEDIA_MODE=relay} and the embedded engine; optionally "record": the caller page with
 * {@code ?record=1}), N calls each, p50/p95, split into signaling, ICE, DTLS and first frame. Every
 * boundary is timestamped inside the pages by {@link SetupProbe}; the callee page accepts at once.
 * Goals (reported, not asserted): setup p95 &lt;= 1.0 s P2P and &lt;= 1.5 s via TURN.
 *
 * <pre>
 *   java -cp bench/target/duet-bench.jar dev.duet.bench.SetupBench [--calls 20] [--warmup 1]
 *       [--paths p2p,turn,relay,record] [--out bench/target/setup-raw.md]
 * </pre>
 *
 * Run from the repository root (the web root and turn-config/coturn.sh are found from there).
 */
public final class SetupBench {
  private static final String[] PHASES = {
    "invite>ringing", "ringing>accepted", "signaling", "ice", "dtls", "firstFrame",
    "setup", "decoded", "presented", "bothWays", "accepted>pc", "pc>answer",
    "answer>iceConnected", "dtlsHandshake", "accepted>media", "callee.ice>dtls"
  };

  public static void main(String[] args) throws Exception {
    int calls = 20;
    int warmup = 1;
    List<String> paths = List.of("p2p", "turn", "relay", "record");
    Path out = Path.of("bench/target/setup-raw.md");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--calls" -> calls = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--paths" -> paths = Arrays.asList(args[++i].split(","));
        case "--out" -> out = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Path webRoot =
        Path.of(System.getProperty("duet.webRoot", "web-demo/src/main/webapp")).toAbsolutePath();
    Path turnScript =
        Path.of(System.getProperty("duet.turnScript", "turn-config/coturn.sh")).toAbsolutePath();
    if (!Files.isRegularFile(webRoot.resolve("app.js"))) {
      throw new IllegalStateException("no web root at " + webRoot + " (run from the repo root)");
    }
    byte[] b = new byte[24];
    new SecureRandom().nextBytes(b);
    String secret = HexFormat.of().formatHex(b);

    Instant started = Instant.now();
    StringBuilder raw = new StringBuilder();
    Map<String, List<Map<String, Double>>> results = new LinkedHashMap<>();
    Map<String, List<String>> pairs = new LinkedHashMap<>();
    Map<String, Integer> failures = new LinkedHashMap<>();
    try (Coturn coturn = Coturn.start(turnScript, secret);
        SetupBrowser caller = SetupBrowser.launch("caller");
        SetupBrowser callee = SetupBrowser.launch("callee")) {
      for (String path : paths) {
        List<String> env =
            new ArrayList<>(
                List.of(
                    "DUET_WEB_ROOT", webRoot.toString(),
                    "DUET_TURN_URLS", coturn.urls(),
                    "DUET_TURN_SECRET", coturn.secret(),
                    "DUET_INVITE_RATE_LIMIT", "100000")); // 20 calls a path, one caller
        String query = "";
        String callerQuery = null;
        Path recordings = null;
        switch (path) {
          case "p2p" -> env.addAll(List.of("DUET_MEDIA_ENGINE", "false"));
          case "turn" -> {
            env.addAll(List.of("DUET_MEDIA_ENGINE", "false"));
            query = "?ice=relay";
          }
          case "record" -> {
            recordings = Files.createTempDirectory("duet-setup-recordings");
            env.addAll(
                List.of("DUET_MEDIA_ENGINE", "true", "DUET_RECORDINGS_DIR", recordings.toString()));
            callerQuery = "?record=1";
          }
          case "relay" -> {
            recordings = Files.createTempDirectory("duet-setup-recordings");
            env.addAll(
                List.of(
                    "DUET_MEDIA_ENGINE", "true",
                    "DUET_MEDIA_MODE", "relay",
                    "DUET_RECORDINGS_DIR", recordings.toString()));
          }
          default -> throw new IllegalArgumentException("unknown path " + path);
        }
        List<Map<String, Double>> rows = new ArrayList<>();
        List<String> pairList = new ArrayList<>();
        try (TestServer server = TestServer.start(env.toArray(String[]::new))) {
          URI base = URI.create("http://127.0.0.1:" + server.server().port() + "/");
          String a = "setup-" + path + "-alice";
          String bName = "setup-" + path + "-bob";
          caller.signIn(base, callerQuery != null ? callerQuery : query, a);
          callee.signIn(base, query, bName);
          caller.js(SetupProbe.INSTALL, false);
          callee.js(SetupProbe.INSTALL, true);
          caller.type("add-name", bName);
          caller.clickCss("#add-form button");
          caller.await(
              bName + " online",
              Duration.ofSeconds(20),
              "const c = window.duetDebug.snapshot().contacts[arguments[0]];"
                  + " return !!c && c.online === true;",
              bName);
          System.err.printf("setup: %s: %d warm-up + %d calls%n", path, warmup, calls);
          for (int i = 0; i < warmup + calls; i++) {
            boolean counted = i >= warmup;
            try {
              Object ok = caller.js(SetupProbe.CLICK_CALL, bName);
              if (!Boolean.TRUE.equals(ok)) {
                throw new IllegalStateException("the click placed no call");
              }
              Duration frameWait = Duration.ofSeconds(15);
              caller.await("first frame at the caller", frameWait, SetupProbe.HAS_FRAME);
              callee.await("first frame at the callee", frameWait, SetupProbe.HAS_FRAME);
              String pair =
                  caller.executeAsync(SetupProbe.PAIR)
                      + " | "
                      + callee.executeAsync(SetupProbe.PAIR);
              JsonObject cr =
                  JsonParser.parseString((String) caller.js(SetupProbe.LAST_CALL))
                      .getAsJsonObject();
              JsonObject ce =
                  JsonParser.parseString((String) callee.js(SetupProbe.LAST_CALL))
                      .getAsJsonObject();
              caller.clickCss("#btn-hangup");
              for (SetupBrowser br : new SetupBrowser[] {caller, callee}) {
                br.await(
                    "call ended",
                    Duration.ofSeconds(10),
                    "const s = window.duetDebug.snapshot(); return s.call === null;");
              }
              Map<String, Double> row = phases(cr, ce);
              String line =
                  String.format(
                      "%s %s %2d path=%s pcs=%d pair=[%s] %s",
                      path,
                      counted ? "call  " : "warmup",
                      i,
                      str(cr, "path"),
                      cr.getAsJsonArray("pcs").size(),
                      pair,
                      fmt(row));
              System.err.println(line);
              raw.append(line).append('\n');
              if (counted) {
                rows.add(row);
                pairList.add(pair);
              }
            } catch (RuntimeException e) {
              // A call that never showed a frame (or never ended): note why, end it, go on.
              String why = String.valueOf(e.getMessage());
              String end =
                  String.valueOf(
                      callee.js(
                          "const s = window.duetDebug.snapshot(); return JSON.stringify(s.call ? s.call.state : s.lastEnd && s.lastEnd.reason);"));
              String cend =
                  String.valueOf(
                      caller.js(
                          "const s = window.duetDebug.snapshot(); return JSON.stringify(s.call ? s.call.state : s.lastEnd && s.lastEnd.reason);"));
              String line =
                  String.format(
                      "%s %s %2d FAILED caller=%s callee=%s: %s",
                      path,
                      counted ? "call  " : "warmup",
                      i,
                      cend,
                      end,
                      why.length() > 160 ? why.substring(0, 160) + "..." : why);
              System.err.println(line);
              raw.append(line).append('\n');
              if (counted) {
                failures.merge(path, 1, Integer::sum);
              }
              caller.js(
                  "const s = window.duetDebug.snapshot();"
                      + " if (s.call) document.getElementById('btn-hangup').click();");
              for (SetupBrowser br : new SetupBrowser[] {caller, callee}) {
                br.await(
                    "call ended after a failure",
                    Duration.ofSeconds(20),
                    "const s = window.duetDebug.snapshot(); return s.call === null;");
              }
            }
            Thread.sleep(300);
          }
        } finally {
          if (recordings != null) {
            SetupBrowser.deleteTree(recordings);
          }
        }
        results.put(path, rows);
        pairs.put(path, pairList);
      }
    }
    String report = report(started, calls, warmup, results, pairs, failures, raw.toString());
    System.out.println(report);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, report);
    System.err.println("setup: wrote " + out);
  }

  /** The phases of one call, in ms; every boundary is from the caller's page unless said. */
  static Map<String, Double> phases(JsonObject cr, JsonObject ce) {
    JsonObject st = cr.getAsJsonObject("states");
    var pcs = cr.getAsJsonArray("pcs");
    JsonObject pc = pcs.get(pcs.size() - 1).getAsJsonObject();
    var cpcs = ce.getAsJsonArray("pcs");
    JsonObject cpc = cpcs.get(cpcs.size() - 1).getAsJsonObject();
    double t0 = num(cr, "t0");
    double ringing = num(st, "ringing");
    double accepted = num(st, "connecting");
    double ice =
        min(
            num(pc.getAsJsonObject("ice"), "connected"),
            num(pc.getAsJsonObject("ice"), "completed"));
    double dtls = num(pc.getAsJsonObject("dtls"), "connected");
    double decoded = num(pc, "firstDecoded");
    double presented = num(cr, "presented");
    // A presented frame was decoded: the first frame is the earlier of the two observations.
    double frame = min(decoded, presented);
    double calleeFrame = min(num(cpc, "firstDecoded"), num(ce, "presented"));
    double pcCreated = num(pc, "created");
    double answer = num(pc.getAsJsonObject("sig"), "stable");
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("invite>ringing", ringing - t0);
    m.put("ringing>accepted", accepted - ringing);
    m.put("signaling", accepted - t0);
    m.put("ice", ice - accepted);
    m.put("dtls", dtls - ice);
    m.put("firstFrame", frame - dtls);
    m.put("setup", frame - t0);
    m.put("decoded", decoded - t0);
    m.put("presented", presented - t0);
    m.put("bothWays", Math.max(frame, calleeFrame) - t0);
    m.put("accepted>pc", pcCreated - accepted);
    m.put("pc>answer", answer - pcCreated);
    m.put("answer>iceConnected", ice - answer);
    m.put("dtlsHandshake", dtls - num(pc.getAsJsonObject("dtls"), "connecting"));
    m.put("accepted>media", num(cr, "media") - accepted);
    double cice =
        min(
            num(cpc.getAsJsonObject("ice"), "connected"),
            num(cpc.getAsJsonObject("ice"), "completed"));
    m.put("callee.ice>dtls", num(cpc.getAsJsonObject("dtls"), "connected") - cice);
    // Callee side, its own clock, for the ringing part.
    JsonObject cst = ce.getAsJsonObject("states");
    m.put("callee.incoming>acceptClick", num(ce, "acceptClick") - num(ce, "incoming"));
    m.put("callee.acceptClick>connecting", num(cst, "connecting") - num(ce, "acceptClick"));
    return m;
  }

  static double min(double a, double b) {
    if (Double.isNaN(a)) {
      return b;
    }
    if (Double.isNaN(b)) {
      return a;
    }
    return Math.min(a, b);
  }

  static double num(JsonObject o, String f) {
    JsonElement e = o == null ? null : o.get(f);
    return e == null || e.isJsonNull() ? Double.NaN : e.getAsDouble();
  }

  static String str(JsonObject o, String f) {
    JsonElement e = o.get(f);
    return e == null || e.isJsonNull() ? null : e.getAsString();
  }

  static String fmt(Map<String, Double> row) {
    StringBuilder s = new StringBuilder();
    row.forEach((k, v) -> s.append(k).append('=').append(String.format("%.1f", v)).append(' '));
    return s.toString().trim();
  }

  /** Nearest-rank percentile (p95 of 20 samples is the 19th smallest). */
  static double pct(List<Double> v, double p) {
    List<Double> s = v.stream().filter(d -> !Double.isNaN(d)).sorted().toList();
    if (s.isEmpty()) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p / 100.0 * s.size());
    return s.get(Math.max(0, rank - 1));
  }

  static String report(
      Instant started,
      int calls,
      int warmup,
      Map<String, List<Map<String, Double>>> results,
      Map<String, List<String>> pairs,
      Map<String, Integer> failures,
      String raw) {
    StringBuilder r = new StringBuilder();
    r.append("# setup raw output, ").append(started).append('\n').append('\n');
    r.append(
        String.format(
            "%d calls per path after %d warm-up, nearest-rank percentiles, ms%n%n", calls, warmup));
    List<String> cols = new ArrayList<>(List.of(PHASES));
    cols.add("callee.incoming>acceptClick");
    cols.add("callee.acceptClick>connecting");
    r.append("| path | stat |");
    cols.forEach(c -> r.append(' ').append(c).append(" |"));
    r.append('\n').append("|---|---|");
    cols.forEach(c -> r.append("---:|"));
    r.append('\n');
    results.forEach(
        (path, rows) -> {
          for (String stat : new String[] {"p50", "p95", "max"}) {
            r.append("| ").append(path).append(" | ").append(stat).append(" |");
            for (String c : cols) {
              List<Double> v = rows.stream().map(m -> m.get(c)).toList();
              double x =
                  stat.equals("p50") ? pct(v, 50) : stat.equals("p95") ? pct(v, 95) : pct(v, 100);
              r.append(String.format(" %.0f |", x));
            }
            r.append('\n');
          }
        });
    r.append('\n');
    pairs.forEach(
        (path, list) -> {
          Map<String, Integer> counts = new LinkedHashMap<>();
          list.forEach(p -> counts.merge(p, 1, Integer::sum));
          r.append("- ")
              .append(path)
              .append(": ")
              .append(list.size())
              .append(" calls measured, ")
              .append(failures.getOrDefault(path, 0))
              .append(" failed (no first frame on a side within 15 s)\n");
          r.append("- ")
              .append(path)
              .append(" selected pairs (caller | callee, local/remote): ")
              .append(counts)
              .append('\n');
        });
    r.append("\n```\n").append(raw).append("```\n");
    return r.toString();
  }

  private SetupBench() {}

  static {
    // keep the JVM's own logging quiet (Selenium's CDP version warnings)
    java.util.logging.Logger.getLogger("org.openqa.selenium")
        .setLevel(java.util.logging.Level.SEVERE);
  }
}
