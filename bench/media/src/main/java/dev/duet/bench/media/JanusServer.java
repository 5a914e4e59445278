package dev.duet.bench.media;

import com.google.gson.JsonObject;
import dev.duet.media.engine.testing.BrowserPeer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Janus 1.1.2 (Debian) as its own process, configured from a private folder: REST transport on
 * 127.0.0.1 only, VideoCall the only plugin, no admin API, no STUN, IPv4 on eth-style interfaces,
 * recordings (.mjr) into the run folder.
 */
final class JanusServer implements MediaBench.Server {
  private static final String LIB = "/usr/lib/x86_64-linux-gnu/janus";
  private final Process process;
  private final Path recordings;
  private final JanusClient client;
  private long ha;
  private long hb;

  JanusServer(Path dir) throws Exception {
    Path conf = dir.resolve("conf");
    recordings = dir.resolve("rec");
    Files.createDirectories(conf);
    Files.createDirectories(recordings);
    try (Stream<Path> etc = Files.list(Path.of("/etc/janus"))) {
      for (Path f : etc.filter(p -> p.toString().endsWith(".jcfg")).toList()) {
        Files.copy(
            f, conf.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Files.writeString(
        conf.resolve("janus.jcfg"),
        """
        general: {
        \tconfigs_folder = "%s"
        \tplugins_folder = "%s/plugins"
        \ttransports_folder = "%s/transports"
        \tevents_folder = "%s/events"
        \tloggers_folder = "%s/loggers"
        \tdebug_level = 3
        \tadmin_secret = "admin-api-is-disabled"
        }
        certificates: {
        }
        media: {
        \tipv6 = false
        \trtp_port_range = "20000-20999"
        }
        nat: {
        \tnice_debug = false
        \tice_tcp = false
        \tice_ignore_list = "lo,vmnet"
        }
        plugins: {
        \tdisable = "libjanus_audiobridge.so,libjanus_duktape.so,libjanus_echotest.so,libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,libjanus_sip.so,libjanus_streaming.so,libjanus_textroom.so,libjanus_videoroom.so,libjanus_voicemail.so"
        }
        transports: {
        \tdisable = "libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so,libjanus_websockets.so"
        }
        loggers: {
        \tdisable = "libjanus_jsonlog.so"
        }
        events: {
        \tbroadcast = false
        \tdisable = "libjanus_gelfevh.so,libjanus_mqttevh.so,libjanus_nanomsgevh.so,libjanus_rabbitmqevh.so,libjanus_sampleevh.so,libjanus_wsevh.so"
        }
        """
            .formatted(conf, LIB, LIB, LIB, LIB));
    Files.writeString(
        conf.resolve("janus.transport.http.jcfg"),
        """
        general: {
        \tjson = "plain"
        \tbase_path = "/janus"
        \thttp = true
        \tport = %d
        \tip = "127.0.0.1"
        \thttps = false
        }
        admin: {
        \tadmin_http = false
        \tadmin_https = false
        }
        cors: {
        }
        """
            .formatted(port));
    ProcessBuilder pb =
        new ProcessBuilder(
            "janus", "-F", conf.toString(), "-C", conf.resolve("janus.jcfg").toString());
    pb.redirectErrorStream(true).redirectOutput(dir.resolve("janus.log").toFile());
    process = pb.start();
    String base = "http://127.0.0.1:" + port + "/janus";
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(base + "/info"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          break;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("janus did not start; see " + dir.resolve("janus.log"));
      }
      Thread.sleep(200);
    }
    client = new JanusClient(base);
  }

  @Override
  public String name() {
    return "janus";
  }

  @Override
  public long pid() {
    return process.pid();
  }

  private static JsonObject body(String request) {
    JsonObject b = new JsonObject();
    b.addProperty("request", request);
    return b;
  }

  @Override
  public void call(BrowserPeer alice, BrowserPeer bob, boolean record) throws Exception {
    ha = client.attach("janus.plugin.videocall");
    hb = client.attach("janus.plugin.videocall");
    String suffix = Long.toString(System.nanoTime());
    for (Object[] h : new Object[][] {{ha, "alice" + suffix}, {hb, "bob" + suffix}}) {
      JsonObject reg = body("register");
      reg.addProperty("username", (String) h[1]);
      client.message((Long) h[0], reg, null);
      client.await((Long) h[0], JanusClient.pluginEvent("registered"), 10_000);
    }
    JsonObject call = body("call");
    call.addProperty("username", "bob" + suffix);
    client.message(ha, call, JanusClient.jsep("offer", alice.fullOffer()));
    client.trickleCompleted(ha);
    JsonObject incoming = client.await(hb, JanusClient.pluginEvent("incomingcall"), 20_000);
    String answer = bob.answerOffer(incoming.getAsJsonObject("jsep").get("sdp").getAsString());
    client.message(hb, body("accept"), JanusClient.jsep("answer", answer));
    client.trickleCompleted(hb);
    JsonObject accepted = client.await(ha, JanusClient.pluginEvent("accepted"), 20_000);
    alice.acceptAnswer(accepted.getAsJsonObject("jsep").get("sdp").getAsString());
    client.await(ha, JanusClient.janusEvent("webrtcup"), 20_000);
    client.await(hb, JanusClient.janusEvent("webrtcup"), 20_000);
    if (!record) {
      return;
    }
    for (Object[] h : new Object[][] {{ha, "alice"}, {hb, "bob"}}) {
      JsonObject set = body("set");
      set.addProperty("record", true);
      set.addProperty("filename", recordings.resolve((String) h[1]).toString());
      client.message((Long) h[0], set, null);
      client.await((Long) h[0], JanusClient.pluginEvent("set"), 10_000);
    }
  }

  @Override
  public double heapUsedMb() {
    return Double.NaN;
  }

  @Override
  public void hangUp() throws Exception {
    for (long h : new long[] {ha, hb}) {
      JsonObject set = body("set");
      set.addProperty("record", false);
      client.message(h, set, null);
    }
    client.message(ha, body("hangup"), null);
    Thread.sleep(500);
  }

  /** Sizes of the .mjr files, and whether janus-pp-rec turns the video ones into WebM. */
  @Override
  public String recordingSummary() throws Exception {
    StringBuilder sb = new StringBuilder();
    try (Stream<Path> files = Files.list(recordings)) {
      for (Path f : files.sorted().toList()) {
        sb.append(f.getFileName()).append(' ').append(Files.size(f) / 1024).append(" KiB ");
        if (f.toString().endsWith("-video.mjr")) {
          Path webm = Path.of(f.toString().replace(".mjr", ".webm"));
          Process p =
              new ProcessBuilder("janus-pp-rec", f.toString(), webm.toString())
                  .redirectErrorStream(true)
                  .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                  .start();
          boolean done = p.waitFor(60, TimeUnit.SECONDS);
          sb.append("(pp-rec ")
              .append(done ? "exit " + p.exitValue() : "timeout")
              .append(Files.exists(webm) ? ", " + Files.size(webm) / 1024 + " KiB webm" : "")
              .append(") ");
          if (!done) {
            p.destroyForcibly();
          }
        }
      }
    }
    return sb.toString().trim();
  }

  @Override
  public void close() throws Exception {
    try {
      client.close();
    } finally {
      process.destroy(); // SIGTERM to this PID only; Janus closes its recorders and exits
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    }
  }
}
