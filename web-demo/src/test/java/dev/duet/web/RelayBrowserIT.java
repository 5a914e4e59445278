package dev.duet.web;

import static dev.duet.web.Browser.at;
import static dev.duet.web.Browser.atLong;
import static dev.duet.web.Browser.atString;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.duet.signaling.testing.TestServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Calls through the media relay: the embedded engine started in-process by the real server, driven
 * through kurento-client, fed by two real browsers.
 */
class RelayBrowserIT {
  static TestServer server;
  static URI base;
  static Browser caller;
  static Browser callee;
  static Path recordings;

  @BeforeAll
  static void start() throws IOException {
    recordings = Files.createTempDirectory("duet-recordings");
    server =
        TestServer.start(
            "DUET_WEB_ROOT", WebRoot.path().toString(),
            "DUET_MEDIA_ENGINE", "true",
            "DUET_RECORDINGS_DIR", recordings.toString());
    base = URI.create("http://127.0.0.1:" + server.server().port() + "/");
    caller = Browser.launch("relay-caller");
    callee = Browser.launch("relay-callee");
  }

  @AfterAll
  static void stop() {
    try (TestServer s = server;
        Browser a = caller;
        Browser b = callee) {
      // closed in reverse order
    }
  }

  void signIn(String a, String b, String callerQuery, String calleeQuery) {
    caller.signIn(base, callerQuery, a);
    callee.signIn(base, calleeQuery, b);
    caller.type("add-name", b);
    caller.find("#add-form button").click();
    caller.awaitSnapshot(b + " online", s -> at(s, "contacts." + b + ".online").getAsBoolean());
  }

  static void call(String user) {
    caller.find("li.contact[data-user='" + user + "'] button[data-action=call]").click();
    callee.awaitSnapshot("ringing", s -> s.get("ringing").getAsBoolean());
    callee.click("btn-accept");
  }

  static void awaitRelayedMediaBothWays() {
    for (Browser b : new Browser[] {caller, callee}) {
      JsonObject s =
          b.awaitSnapshot(
              "connected through the relay with > 50 frames decoded",
              s1 ->
                  "connected".equals(atString(s1, "call.state"))
                      && "relay".equals(atString(s1, "call.path"))
                      && atLong(s1, "call.stats.framesDecoded") > 50
                      && atLong(s1, "call.stats.audioPacketsReceived") > 0);
      // Media stays on this machine: its own interface address, never loopback or mDNS.
      assertThat(atString(s, "call.stats.pair.localAddress")).doesNotStartWith("127.");
    }
  }

  static void hangUpAndAwaitEnd() {
    caller.click("btn-hangup");
    for (Browser b : new Browser[] {caller, callee}) {
      JsonObject s =
          b.awaitSnapshot("call ended", s1 -> s1.get("call").isJsonNull() && s1.has("lastEnd"));
      assertThat(atString(s, "lastEnd.reason")).isEqualTo("hangup");
    }
  }

  @Test
  void recordedCallGoesThroughTheRelayAndLeavesTwoPlayableRecordings() throws Exception {
    long okBefore = okRecordings();
    signIn("rec-alice", "rec-bob", "?record=1", "");
    call("rec-bob");
    awaitRelayedMediaBothWays();
    // Each party's media reaches the relay from the moment its ICE connected (page clock).
    long callerConnected = atLong(caller.snapshot(), "call.connectedAt");
    long calleeConnected = atLong(callee.snapshot(), "call.connectedAt");
    // Let the recording run a few seconds of media, waiting on the page's own frame counter.
    caller.awaitSnapshot("4 s of frames", s -> atLong(s, "call.stats.framesDecoded") > 50 + 4 * 15);
    caller.screenshot(Screenshots.dir(), "relay-recorded-caller.png");
    long hangupAt = ((Number) caller.js("return Date.now();")).longValue();
    hangUpAndAwaitEnd();
    JsonObject call = lastEndedCall(server, server.token("rec-alice"));
    assertThat(call.get("mediaPath").getAsString()).isEqualTo("relay");
    assertThat(call.get("recorded").getAsBoolean()).isTrue();
    assertThat(call.get("endReason").getAsString()).isEqualTo("hangup");
    String callId = call.get("callId").getAsString();
    // Catalogued means finalised and checked by the relay: only then are the files complete
    // (they exist, still being written, from the moment the recording starts).
    String moderator = server.token("mod", "moderator");
    JsonArray listed = awaitCatalogued(callId, moderator, 2);

    List<Path> files = filesOf(callId);
    assertThat(files).hasSize(2);
    for (Path f : files) {
      boolean isCaller = f.getFileName().toString().equals("rec-alice.webm");
      double mediaSeconds = (hangupAt - (isCaller ? callerConnected : calleeConnected)) / 1000.0;
      JsonObject probe = ffprobe(f);
      double duration = probe.getAsJsonObject("format").get("duration").getAsDouble();
      List<String> codecs = codecs(probe);
      assertThat(codecs).as(f.toString()).contains("vp8", "opus");
      assertThat(duration)
          .as("duration of %s vs %.1f s of media", f, mediaSeconds)
          .isBetween(mediaSeconds - 1.5, mediaSeconds + 1.5);
      Process decode =
          new ProcessBuilder("ffmpeg", "-v", "error", "-i", f.toString(), "-f", "null", "-")
              .redirectErrorStream(true)
              .start();
      assertThat(decode.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(decode.exitValue()).as("ffmpeg decodes %s", f).isZero();
    }

    // Catalogued as ok, and reviewable by a moderator only.
    for (var e : listed) {
      JsonObject r = e.getAsJsonObject();
      assertThat(r.get("status").getAsString()).isEqualTo("ok");
      assertThat(r.get("codecs").toString()).contains("vp8").contains("opus");
      assertThat(r.get("sha256").getAsString()).hasSize(64);
    }
    String recordingId =
        listed.asList().stream()
            .map(e -> e.getAsJsonObject())
            .filter(r -> r.get("party").getAsString().equals("rec-alice"))
            .findFirst()
            .orElseThrow()
            .get("id")
            .getAsString();
    HttpResponse<byte[]> range =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(server.http("/api/recordings/" + recordingId + "/media"))
                    .header("Authorization", "Bearer " + moderator)
                    .header("Range", "bytes=0-99")
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(range.statusCode()).isEqualTo(206);
    assertThat(range.body()).hasSize(100);
    // A moderator finds the call in the console, plays both parties, and flags it.
    Browser console = callee;
    console.open(base, "console.html");
    console.js("sessionStorage.clear();");
    console.open(base, "console.html");
    console.type("login-name", "maria");
    console.click("login-submit");
    console.awaitSnapshot("signed in", s -> "console".equals(Browser.str(s, "screen")));
    console.type("f-user", "rec-alice");
    console.click("search");
    console.awaitSnapshot(
        "the call found",
        s ->
            !s.get("searching").getAsBoolean()
                && s.getAsJsonArray("results").toString().contains(recordingId));
    console.find("li.result[data-id='" + recordingId + "']").click();
    console.awaitSnapshot("both parties loaded", s -> s.getAsJsonArray("players").size() == 2);
    console.click("play");
    console.awaitSnapshot(
        "both played past 2 s",
        s ->
            s.getAsJsonArray("players").asList().stream()
                .allMatch(p -> p.getAsJsonObject().get("currentTime").getAsDouble() > 2.0));
    console.screenshot(Screenshots.dir(), "console-relayed-call.png");
    console.click("play"); // pause
    console.click("btn-flag");
    console.type("flag-reason", "review");
    console.click("confirm-ok");
    console.awaitSnapshot(
        "flagged, in the audit trail",
        s ->
            at(s, "selected.flagged").getAsBoolean()
                && s.getAsJsonArray("audit").toString().contains("recording.flag"));
    String user = server.token("rec-alice");
    for (String path :
        List.of(
            "/api/recordings",
            "/api/recordings/" + recordingId,
            "/api/recordings/" + recordingId + "/media")) {
      assertThat(status(path, user)).as(path).isEqualTo(403);
    }
    JsonObject audit = get("/api/audit?limit=50", moderator);
    assertThat(audit.toString()).contains("recording.play").contains("recording.flag");
    assertThat(okRecordings()).as("recordings counted ok").isEqualTo(okBefore + 2);
    assertThat(metrics()).contains("duet_answered_calls_total{path=\"relay\"}");
  }

  static String metrics() throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(server.http("/metrics")).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** duet_recordings_total{status="ok"} (0 before the first): other tests record too. */
  static long okRecordings() throws Exception {
    String prefix = "duet_recordings_total{status=\"ok\"} ";
    return metrics()
        .lines()
        .filter(l -> l.startsWith(prefix))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(prefix.length()).strip()))
        .findFirst()
        .orElse(0);
  }

  /**
   * The user's latest call once its record is closed: {@code call.ended} reaches the pages before
   * the store thread saves the record's end.
   */
  static JsonObject lastEndedCall(TestServer server, String token) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      JsonArray calls = getFrom(server, "/api/calls?limit=1", token).getAsJsonArray("calls");
      JsonObject call = calls.isEmpty() ? null : calls.get(0).getAsJsonObject();
      if ((call != null && call.has("endReason") && !call.get("endReason").isJsonNull())
          || System.nanoTime() > deadline) {
        assertThat(call).as("the latest call, ended").isNotNull();
        assertThat(call.has("endReason")).as("%s has an endReason", call).isTrue();
        return call;
      }
      Thread.sleep(200); // the record's end is saved on the store thread
    }
  }

  static JsonArray awaitCatalogued(String callId, String moderator, int n) throws Exception {
    return awaitCatalogued(server, callId, moderator, n);
  }

  static JsonArray awaitCatalogued(TestServer server, String callId, String moderator, int n)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      JsonArray all =
          getFrom(server, "/api/recordings?limit=50", moderator).getAsJsonArray("recordings");
      JsonArray mine = new JsonArray();
      all.forEach(
          e -> {
            if (e.getAsJsonObject().get("callId").getAsString().equals(callId)) {
              mine.add(e);
            }
          });
      if (mine.size() >= n || System.nanoTime() > deadline) {
        assertThat(mine).hasSize(n);
        return mine;
      }
      Thread.sleep(200); // cataloguing follows the call's end on the store thread
    }
  }

  static int status(String path, String token) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(server.http(path))
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  @Test
  void aCallerWithoutACameraIsRecordedAsAudioAndStillSeesTheCallee() throws Exception {
    signIn("ao-alice", "ao-bob", "?record=1&media=audio", "");
    call("ao-bob");
    caller.awaitSnapshot(
        "bob's video through the relay",
        s ->
            "connected".equals(atString(s, "call.state"))
                && "relay".equals(atString(s, "call.path"))
                && atLong(s, "call.stats.framesDecoded") > 50);
    callee.awaitSnapshot(
        "alice's audio through the relay (2 s)",
        s ->
            "relay".equals(atString(s, "call.path"))
                && atLong(s, "call.stats.audioPacketsReceived") > 100);
    hangUpAndAwaitEnd();

    JsonObject call = lastEndedCall(server, server.token("ao-alice"));
    String moderator = server.token("mod", "moderator");
    JsonArray listed = awaitCatalogued(call.get("callId").getAsString(), moderator, 2);
    for (var e : listed) {
      JsonObject r = e.getAsJsonObject();
      boolean alice = r.get("party").getAsString().equals("ao-alice");
      assertThat(r.get("status").getAsString()).as("%s", r).isEqualTo("ok");
      // Her file has what she sent: audio only (a WEBM profile would have waited for video).
      assertThat(r.get("codecs").toString())
          .as("%s", r)
          .contains("opus")
          .satisfies(c -> assertThat(c.contains("vp8")).isEqualTo(!alice));
      assertThat(r.get("durationMs").getAsLong()).as("%s", r).isGreaterThan(1500);
    }
  }

  @Test
  void aCameraTurnedOffMidCallLeavesTheAudioOfTheRecordingWhole() throws Exception {
    signIn("cam-alice", "cam-bob", "?record=1", "");
    call("cam-bob");
    awaitRelayedMediaBothWays();
    // Alice stops sending video (what an app does to turn its camera off without renegotiating),
    // for 250 of her audio packets at Bob's (5 s: more than the recorder's 3 s input queue).
    caller.js(
        "const s = window.duetDebug.call().pc.getSenders().find(x => x.track &&"
            + " x.track.kind === 'video'); window.camSender = s; window.camTrack = s.track;"
            + " s.replaceTrack(null);");
    long audioAtOff = atLong(callee.snapshot(), "call.stats.audioPacketsReceived");
    callee.awaitSnapshot(
        "5 s of alice's audio with her camera off",
        java.time.Duration.ofSeconds(30),
        s -> atLong(s, "call.stats.audioPacketsReceived") > audioAtOff + 250);
    long framesAtOn = atLong(callee.snapshot(), "call.stats.framesDecoded");
    caller.js("window.camSender.replaceTrack(window.camTrack);");
    callee.awaitSnapshot(
        "alice's video back", s -> atLong(s, "call.stats.framesDecoded") > framesAtOn + 40);
    hangUpAndAwaitEnd();

    JsonObject call = lastEndedCall(server, server.token("cam-alice"));
    String callId = call.get("callId").getAsString();
    awaitCatalogued(callId, server.token("mod", "moderator"), 2);
    Path alice =
        filesOf(callId).stream()
            .filter(f -> f.getFileName().toString().equals("cam-alice.webm"))
            .findFirst()
            .orElseThrow();
    List<Double> audio = packetTimes(alice, "a:0");
    List<Double> video = packetTimes(alice, "v:0");
    assertThat(audio).as("audio packets of %s", alice).hasSizeGreaterThan(250);
    assertThat(longestGap(video)).as("the video's silence in %s (s)", alice).isGreaterThan(4);
    assertThat(longestGap(audio))
        .as("the longest gap between audio packets in %s (s)", alice)
        .isLessThan(0.5);
    // Chromium plays the file through the silence (the muxer wrote empty video blocks there).
    callee.go(alice.toUri());
    callee.js(
        "const v = document.querySelector('video'); v.muted = true; v.playbackRate = 4;"
            + " v.play();");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String state;
    do {
      state =
          String.valueOf(
              callee.js(
                  "const v = document.querySelector('video'); return JSON.stringify({t:"
                      + " v.currentTime, d: v.duration, ended: v.ended, error: v.error &&"
                      + " v.error.code, frames: v.getVideoPlaybackQuality().totalVideoFrames});"));
      JsonObject v = JsonParser.parseString(state).getAsJsonObject();
      assertThat(v.get("error").isJsonNull()).as("playing %s: %s", alice, state).isTrue();
      if (v.get("ended").getAsBoolean()) {
        break;
      }
      Thread.sleep(200); // polling the player's clock
    } while (System.nanoTime() < deadline);
    assertThat(JsonParser.parseString(state).getAsJsonObject().get("ended").getAsBoolean())
        .as("played to the end: %s", state)
        .isTrue();
  }

  /** The packet times of one stream of {@code file} ({@code a:0}, {@code v:0}), in file order. */
  static List<Double> packetTimes(Path file, String stream) throws Exception {
    Process p =
        new ProcessBuilder(
                "ffprobe",
                "-v",
                "error",
                "-select_streams",
                stream,
                "-show_entries",
                "packet=pts_time",
                "-of",
                "csv=p=0",
                file.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return out.lines()
        .map(l -> l.strip().replace(",", ""))
        .filter(l -> !l.isEmpty() && !l.equals("N/A"))
        .map(Double::parseDouble)
        .toList();
  }

  static double longestGap(List<Double> times) {
    double longest = 0;
    for (int i = 1; i < times.size(); i++) {
      longest = Math.max(longest, times.get(i) - times.get(i - 1));
    }
    return longest;
  }

  @Test
  void whenPeerToPeerFailsTheCallMovesToTheRelayWithoutRingingAgain() throws Exception {
    String q = "?p2p=block&connectTimeoutMs=3000";
    signIn("fb-alice", "fb-bob", q, q);
    call("fb-bob");
    awaitRelayedMediaBothWays();
    // Still the same call, never rang again.
    assertThat(callee.snapshot().get("ringing").getAsBoolean()).isFalse();
    caller.screenshot(Screenshots.dir(), "relay-fallback-caller.png");
    hangUpAndAwaitEnd();
    JsonObject call = lastEndedCall(server, server.token("fb-alice"));
    assertThat(call.get("mediaPath").getAsString()).isEqualTo("relay");
    assertThat(call.get("recorded").getAsBoolean()).isFalse();
  }

  /** The recordings of a call: {@code <callId>/<party>.webm}, as the catalogue names them. */
  static List<Path> filesOf(String callId) throws IOException {
    try (Stream<Path> s = Files.list(recordings.resolve(callId))) {
      return s.filter(p -> p.toString().endsWith(".webm")).sorted().toList();
    }
  }

  static JsonObject ffprobe(Path f) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                "ffprobe",
                "-v",
                "error",
                "-show_entries",
                "format=duration:stream=codec_name",
                "-of",
                "json",
                f.toString())
            .start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return JsonParser.parseString(out).getAsJsonObject();
  }

  static List<String> codecs(JsonObject probe) {
    JsonArray streams = probe.getAsJsonArray("streams");
    return streams.asList().stream()
        .map(e -> e.getAsJsonObject().get("codec_name").getAsString())
        .toList();
  }

  static JsonObject get(String path, String token) throws Exception {
    return getFrom(server, path, token);
  }

  static JsonObject getFrom(TestServer server, String path, String token) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(server.http(path))
                    .header("Authorization", "Bearer " + token)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }
}
