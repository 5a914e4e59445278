package dev.duet.web;

import static dev.duet.web.Browser.at;
import static dev.duet.web.Browser.atLong;
import static dev.duet.web.Browser.atString;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.duet.media.engine.EngineConfig;
import dev.duet.media.engine.MediaEngine;
import dev.duet.signaling.testing.TestServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The media server dies mid-call: both parties get a clear end (media_failed) and the recordings
 * made so far still play. The engine runs as a separate media server here (DUET_KURENTO_URL), as a
 * KMS would in production, so the test can stop it.
 */
class MediaFailureBrowserIT {

  @Test
  void mediaServerStoppedMidCallEndsTheCallClearlyAndKeepsWhatWasRecorded() throws Exception {
    Path recordings = Files.createTempDirectory("duet-recordings");
    MediaEngine engine =
        MediaEngine.start(EngineConfig.defaults().withPort(0).withRecordingsRoot(recordings));
    try (TestServer server =
            TestServer.start(
                "DUET_WEB_ROOT", WebRoot.path().toString(),
                "DUET_KURENTO_URL", engine.uri().toString(),
                "DUET_RECORDINGS_DIR", recordings.toString());
        Browser caller = Browser.launch("mf-caller");
        Browser callee = Browser.launch("mf-callee")) {
      URI base = URI.create("http://127.0.0.1:" + server.server().port() + "/");
      caller.signIn(base, "?record=1", "mf-alice");
      callee.signIn(base, "", "mf-bob");
      caller.type("add-name", "mf-bob");
      caller.find("#add-form button").click();
      caller.awaitSnapshot("bob online", s -> at(s, "contacts.mf-bob.online").getAsBoolean());
      caller.find("li.contact[data-user='mf-bob'] button[data-action=call]").click();
      callee.awaitSnapshot("ringing", s -> s.get("ringing").getAsBoolean());
      callee.click("btn-accept");
      for (Browser b : List.of(caller, callee)) {
        b.awaitSnapshot(
            "relayed media",
            s ->
                "connected".equals(atString(s, "call.state"))
                    && atLong(s, "call.stats.framesDecoded") > 60);
      }

      engine.close(); // the media server goes away mid-call

      for (Browser b : List.of(caller, callee)) {
        JsonObject s =
            b.awaitSnapshot("call ended", s1 -> s1.get("call").isJsonNull() && s1.has("lastEnd"));
        assertThat(atString(s, "lastEnd.reason")).isEqualTo("media_failed");
      }
      assertThat(caller.text("last-call")).contains("media relay failed");

      JsonObject call = RelayBrowserIT.lastEndedCall(server, server.token("mf-alice"));
      assertThat(call.get("endReason").getAsString()).isEqualTo("media_failed");
      // The recordings made so far are catalogued as partial; only then are the files final.
      String moderator = server.token("mf-mod", "moderator");
      String callId = call.get("callId").getAsString();
      List<String> statuses =
          RelayBrowserIT.awaitCatalogued(server, callId, moderator, 2).asList().stream()
              .map(e -> e.getAsJsonObject().get("status").getAsString())
              .toList();
      assertThat(statuses).containsOnly("partial");

      List<Path> files;
      try (var list = Files.walk(recordings)) { // <callId>/<party>.webm
        files = list.filter(p -> Files.isRegularFile(p) && p.toString().endsWith(".webm")).toList();
      }
      assertThat(files).hasSize(2);
      for (Path f : files) {
        assertThat(Files.size(f)).as("%s has media", f).isPositive();
        Process decode =
            new ProcessBuilder("ffmpeg", "-v", "error", "-i", f.toString(), "-f", "null", "-")
                .redirectErrorStream(true)
                .start();
        String errors =
            new String(
                decode.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(decode.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(decode.exitValue()).as("the partial %s plays: %s", f, errors).isZero();
      }
    } finally {
      engine.close();
    }
  }
}
