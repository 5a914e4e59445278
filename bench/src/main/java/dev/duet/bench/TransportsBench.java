package dev.duet.bench;

import com.google.gson.JsonObject;
import dev.duet.signaling.testing.Client;
import dev.duet.signaling.testing.PollClient;
import dev.duet.signaling.testing.Recorder;
import dev.duet.signaling.testing.SseClient;
import dev.duet.testsupport.CuttingProxy;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The four transports side by side: N clients chat in pairs at a fixed rate, through a TCP proxy
 * that counts bytes, against Duet started as its own process. For each transport it reports
 * delivery latency (p50, p99), server CPU seconds per 1000 delivered messages (from /proc), HTTP
 * requests per delivered message (the server's counter) and bytes on the wire per delivered message
 * (everything the transport carried: acks, confirmations and receipts included).
 *
 * <p>Run with {@code ./duet bench transports}; options: {@code --clients 20 --rate 5 --seconds 20
 * --warmup 5 --runs 3 --short-poll-ms 500}.
 */
public final class TransportsBench {
  enum Kind {
    WS,
    SSE,
    LONGPOLL,
    SHORTPOLL
  }

  record Result(
      Kind kind,
      long sent,
      long delivered,
      double p50,
      double p99,
      double cpuPer1000,
      double requestsPerMsg,
      double bytesPerMsg) {}

  private final int clients;
  private final int rate;
  private final int seconds;
  private final int warmup;
  private final int runs;
  private final int shortPollMs;
  private final Path jar;

  TransportsBench(Map<String, Integer> opts, Path jar) {
    this.clients = opts.getOrDefault("clients", 20);
    this.rate = opts.getOrDefault("rate", 5);
    this.seconds = opts.getOrDefault("seconds", 20);
    this.warmup = opts.getOrDefault("warmup", 5);
    this.runs = opts.getOrDefault("runs", 3);
    this.shortPollMs = opts.getOrDefault("short-poll-ms", 500);
    this.jar = jar;
  }

  public static void main(String[] args) throws Exception {
    Map<String, Integer> opts = new java.util.HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), Integer.parseInt(args[i + 1]));
    }
    Path jar = Path.of("signaling/server/target/duet-signaling.jar");
    if (!Files.exists(jar)) {
      throw new IllegalStateException("build first: " + jar + " is missing");
    }
    TransportsBench bench = new TransportsBench(opts, jar);
    List<List<Result>> all = new ArrayList<>();
    for (Kind k : Kind.values()) {
      List<Result> rs = new ArrayList<>();
      for (int r = 0; r < bench.runs; r++) {
        Result res = bench.runOnce(k);
        System.out.printf(
            Locale.ROOT,
            "%-9s run %d: sent %d delivered %d p50 %.2f ms p99 %.2f ms cpu %.3f s/1000 req/msg %.2f"
                + " bytes/msg %.0f%n",
            k,
            r + 1,
            res.sent(),
            res.delivered(),
            res.p50(),
            res.p99(),
            res.cpuPer1000(),
            res.requestsPerMsg(),
            res.bytesPerMsg());
        rs.add(res);
      }
      all.add(rs);
    }
    Path out = Path.of("bench/results/transports.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, bench.report(all, String.join(" ", args)));
    System.out.println("wrote " + out);
  }

  Result runOnce(Kind kind) throws Exception {
    Map<String, String> env = Map.of("DUET_CHAT_RATE_LIMIT", "10000", "DUET_RATE_LIMIT", "10000");
    try (ServerProcess server = ServerProcess.start(jar, env);
        CuttingProxy proxy = new CuttingProxy(server.port())) {
      List<Client> cs = new ArrayList<>();
      List<String> users = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        String user = "u" + i;
        users.add(user);
        cs.add(connect(kind, proxy.port(), server.token(user)));
      }
      org.HdrHistogram.Recorder latency = new org.HdrHistogram.Recorder(3);
      AtomicBoolean measuring = new AtomicBoolean();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong delivered = new AtomicLong();
      AtomicLong sent = new AtomicLong();
      List<Thread> receivers = new ArrayList<>();
      for (Client c : cs) {
        Thread t = new Thread(() -> receive(c, kind, latency, measuring, stop, delivered), "rx");
        t.setDaemon(true);
        t.start();
        receivers.add(t);
      }
      ScheduledExecutorService senders = Executors.newScheduledThreadPool(8);
      String pad = "x".repeat(80);
      long period = 1_000_000 / rate;
      for (int i = 0; i < clients; i++) {
        Client c = cs.get(i);
        String to = users.get(i ^ 1);
        AtomicLong n = new AtomicLong();
        senders.scheduleAtFixedRate(
            () -> {
              long id = n.incrementAndGet();
              c.send(
                  "chat.send",
                  "to",
                  to,
                  "text",
                  System.nanoTime() + "|" + pad,
                  "clientMsgId",
                  "m" + id);
              if (measuring.get()) {
                sent.incrementAndGet();
              }
            },
            (period / clients) * i,
            period,
            TimeUnit.MICROSECONDS);
      }
      TimeUnit.SECONDS.sleep(warmup); // warm-up: JIT, pools; not measured
      double cpu0 = server.cpuSeconds();
      long req0 = server.metric("duet_http_requests_total");
      long bytes0 = proxy.bytes();
      latency.reset();
      delivered.set(0);
      measuring.set(true);
      TimeUnit.SECONDS.sleep(seconds); // the measured window
      measuring.set(false);
      double cpu1 = server.cpuSeconds();
      long req1 = server.metric("duet_http_requests_total");
      long bytes1 = proxy.bytes();
      senders.shutdownNow();
      stop.set(true);
      for (Thread t : receivers) {
        t.join(2000);
      }
      for (Client c : cs) {
        c.drop();
      }
      long d = Math.max(1, delivered.get());
      var h = latency.getIntervalHistogram();
      return new Result(
          kind,
          sent.get(),
          delivered.get(),
          h.getValueAtPercentile(50) / 1000.0,
          h.getValueAtPercentile(99) / 1000.0,
          (cpu1 - cpu0) / d * 1000,
          (double) (req1 - req0) / d,
          (double) (bytes1 - bytes0) / d);
    }
  }

  private Client connect(Kind kind, int port, String token) {
    URI base = URI.create("http://127.0.0.1:" + port);
    return switch (kind) {
      case WS ->
          Recorder.connect(
              URI.create(
                  "ws://127.0.0.1:"
                      + port
                      + "/ws?access_token="
                      + URLEncoder.encode(token, StandardCharsets.UTF_8)),
              Map.of(),
              0);
      case SSE -> SseClient.connect(base, token, "", 0);
      case LONGPOLL -> PollClient.connect(base, token, 25, "", 0);
      case SHORTPOLL -> PollClient.connect(base, token, 0, "", 0, Duration.ofMillis(shortPollMs));
    };
  }

  /** Drains a client: measures chat.message latency, acks in batches (polls ack by themselves). */
  private static void receive(
      Client c,
      Kind kind,
      org.HdrHistogram.Recorder latency,
      AtomicBoolean measuring,
      AtomicBoolean stop,
      AtomicLong delivered) {
    int unacked = 0;
    long lastAck = System.nanoTime();
    boolean explicitAcks = kind == Kind.WS || kind == Kind.SSE;
    while (!stop.get()) {
      JsonObject m = c.poll(Duration.ofMillis(100));
      long now = System.nanoTime();
      if (m != null && m.get("type").getAsString().equals("chat.message")) {
        String text = m.get("text").getAsString();
        long sentAt = Long.parseLong(text.substring(0, text.indexOf('|')));
        if (measuring.get()) {
          latency.recordValue(Math.max(0, (now - sentAt) / 1000)); // microseconds
          delivered.incrementAndGet();
        }
        unacked++;
      }
      if (explicitAcks && unacked > 0 && (unacked >= 20 || now - lastAck > 250_000_000L)) {
        try {
          c.ack();
        } catch (RuntimeException closing) {
          return;
        }
        unacked = 0;
        lastAck = now;
      }
    }
  }

  String report(List<List<Result>> all, String args) throws IOException {
    StringBuilder b = new StringBuilder();
    b.append("# Transports compared: WebSocket, SSE, long polling, short polling\n\n");
    b.append("Measured by `./duet bench transports")
        .append(args.isEmpty() ? "" : " " + args)
        .append("` (`bench/src/main/java/dev/duet/bench/TransportsBench.java`) on ")
        .append(ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME))
        .append(".\n\n");
    b.append("Machine: ").append(machine()).append(".\n\n");
    b.append("Load: ")
        .append(clients)
        .append(" clients chatting in pairs, each sending ")
        .append(rate)
        .append(" messages/s (")
        .append(clients * rate)
        .append(" messages/s in all, ~100-byte texts), ")
        .append(warmup)
        .append(" s warm-up then ")
        .append(seconds)
        .append(" s measured, ")
        .append(runs)
        .append(
            " runs per transport, each against a freshly started server process (JVM 17, -Xmx512m)."
                + " Short polling polls every ")
        .append(shortPollMs)
        .append(
            " ms; long polls wait up to 25 s. WebSocket and SSE clients ack every 20 messages"
                + " or 250 ms; pollers ack with each poll. Clients and server share the 2 cores.\n\n");
    b.append(
        "- latency: from `chat.send` leaving the sender to `chat.message` reaching the"
            + " receiver (same process clock), through the server's store-then-deliver path.\n");
    b.append(
        "- CPU: the server process's user+system seconds (/proc/PID/stat) in the measured"
            + " window, per 1000 delivered messages.\n");
    b.append(
        "- requests: HTTP requests the server counted (`duet_http_requests_total`;"
            + " WebSocket upgrades included) per delivered message.\n");
    b.append(
        "- bytes: TCP payload bytes both ways through a counting proxy, per delivered message:"
            + " the message, its `chat.sent`, its delivery receipt, acks, polls and heartbeats.\n\n");
    b.append("Medians of the runs, with the min-max spread:\n\n");
    b.append(
        "| transport | delivered/run | p50 ms | p99 ms | CPU s per 1000 msgs | requests per msg |"
            + " bytes per msg |\n|---|---|---|---|---|---|---|\n");
    for (List<Result> rs : all) {
      b.append("| ").append(rs.get(0).kind().name().toLowerCase(Locale.ROOT)).append(" | ");
      b.append(cell(rs, Result::delivered, "%.0f")).append(" | ");
      b.append(cell(rs, Result::p50, "%.2f")).append(" | ");
      b.append(cell(rs, Result::p99, "%.2f")).append(" | ");
      b.append(cell(rs, Result::cpuPer1000, "%.3f")).append(" | ");
      b.append(cell(rs, Result::requestsPerMsg, "%.2f")).append(" | ");
      b.append(cell(rs, Result::bytesPerMsg, "%.0f")).append(" |\n");
    }
    b.append("\nRaw runs:\n\n```\n");
    for (List<Result> rs : all) {
      for (Result r : rs) {
        b.append(String.format(Locale.ROOT, "%s%n", r));
      }
    }
    b.append("```\n");
    return b.toString();
  }

  private static String cell(
      List<Result> rs, java.util.function.ToDoubleFunction<Result> f, String fmt) {
    double[] v = rs.stream().mapToDouble(f).sorted().toArray();
    double median = v[v.length / 2];
    return String.format(
        Locale.ROOT, fmt + " (" + fmt + "-" + fmt + ")", median, v[0], v[v.length - 1]);
  }

  private static String machine() throws IOException {
    String cpu =
        Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
            .filter(l -> l.startsWith("model name"))
            .findFirst()
            .map(l -> l.substring(l.indexOf(':') + 1).trim())
            .orElse("unknown CPU");
    long memKb =
        Files.readAllLines(Path.of("/proc/meminfo")).stream()
            .filter(l -> l.startsWith("MemTotal"))
            .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
            .findFirst()
            .orElse(0L);
    return Runtime.getRuntime().availableProcessors()
        + " cores ("
        + cpu
        + "), "
        + (memKb / 1024 / 1024)
        + " GiB, "
        + System.getProperty("java.vm.name")
        + " "
        + System.getProperty("java.version")
        + ", "
        + System.getProperty("os.name")
        + " "
        + System.getProperty("os.version");
  }
}
