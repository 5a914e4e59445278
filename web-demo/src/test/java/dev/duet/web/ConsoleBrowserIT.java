package dev.duet.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.duet.signaling.moderation.ModerationServer;
import dev.duet.signaling.moderation.WebmFiles;
import dev.duet.store.Recording;
import dev.duet.store.RecordingStatus;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The moderators' console in the real Chromium against the real server ({@link ModerationServer}),
 * with a call recorded as two real WebM files.
 */
class ConsoleBrowserIT {
  static ModerationServer server;
  static URI base;
  static Browser moderator;

  @BeforeAll
  static void start() {
    server = ModerationServer.start("DUET_WEB_ROOT", WebRoot.path().toString());
    base = URI.create(server.base() + "/");
    moderator = Browser.launch("moderator");
  }

  @AfterAll
  static void stop() {
    try (ModerationServer s = server;
        Browser b = moderator) {
      // closed in reverse order
    }
  }

  static List<Recording> recordedCall(String a, String b) {
    String callId = UUID.randomUUID().toString();
    List<Recording> out = new ArrayList<>();
    int tone = 440;
    for (String party : List.of(a, b)) {
      Path file = WebmFiles.write(server.catalog().files().newFile(callId, party), 6, tone);
      tone += 220;
      out.add(server.catalog().catalogue(callId, party, file, Instant.now(), false));
    }
    return out;
  }

  static boolean bothPlayedPast(JsonObject s, double seconds) {
    var players = s.getAsJsonArray("players");
    if (players.size() != 2) {
      return false;
    }
    for (JsonElement p : players) {
      if (p.getAsJsonObject().get("currentTime").getAsDouble() <= seconds) {
        return false;
      }
    }
    return true;
  }

  @Test
  void aModeratorFindsACallPlaysBothPartiesInSyncFlagsItAndSeesTheAuditTrail() {
    String suffix = UUID.randomUUID().toString().substring(0, 6);
    String alice = "alice-" + suffix;
    String bob = "bob-" + suffix;
    List<Recording> call = recordedCall(alice, bob);
    assertThat(call).allMatch(r -> r.status() == RecordingStatus.OK);
    String aliceId = call.get(0).recordingId();

    moderator.open(base, "console.html");
    moderator.js("sessionStorage.clear();");
    moderator.open(base, "console.html");
    moderator.type("login-name", "maria");
    moderator.click("login-submit");
    moderator.awaitSnapshot("signed in", s -> "console".equals(Browser.str(s, "screen")));

    moderator.type("f-user", alice);
    moderator.click("search");
    moderator.awaitSnapshot(
        "the call found",
        s ->
            !s.get("searching").getAsBoolean()
                && Browser.str(s, "query").contains("user=" + alice)
                && s.getAsJsonArray("results").toString().contains(aliceId));
    moderator.find("li.result[data-id='" + aliceId + "']").click();
    moderator.awaitSnapshot(
        "both parties loaded",
        s ->
            s.getAsJsonArray("players").size() == 2
                && s.getAsJsonArray("players").asList().stream()
                    .allMatch(p -> p.getAsJsonObject().get("readyState").getAsInt() >= 1));

    moderator.click("play");
    JsonObject playing =
        moderator.awaitSnapshot("both played past 2 s", s -> bothPlayedPast(s, 2.0));
    var players = playing.getAsJsonArray("players");
    double a = players.get(0).getAsJsonObject().get("currentTime").getAsDouble();
    double b = players.get(1).getAsJsonObject().get("currentTime").getAsDouble();
    assertThat(Math.abs(a - b)).as("the two players in sync").isLessThan(0.6);
    assertThat(players.get(0).getAsJsonObject().get("duration").getAsDouble()).isGreaterThan(5.5);
    moderator.screenshot(Screenshots.dir(), "console-playing.png");

    // Pause pauses both.
    moderator.click("play");
    moderator.awaitSnapshot(
        "both paused",
        s ->
            s.getAsJsonArray("players").asList().stream()
                .allMatch(p -> p.getAsJsonObject().get("paused").getAsBoolean()));

    moderator.click("btn-flag");
    moderator.type("flag-reason", "harassment");
    moderator.type("flag-note", "shouting at 0:03");
    moderator.click("confirm-ok");
    JsonObject flagged =
        moderator.awaitSnapshot(
            "flag in the audit trail",
            s ->
                Browser.at(s, "selected.flagged").getAsBoolean()
                    && s.getAsJsonArray("audit").toString().contains("recording.flag"));
    assertThat(flagged.getAsJsonArray("audit").toString())
        .contains("recording.play")
        .contains("recording.view")
        .contains("\"actor\":\"maria\"");
    assertThat(moderator.text("audit")).contains("maria · flag · " + alice);
    assertThat(moderator.text("flags")).contains("harassment — maria").contains("shouting at 0:03");
    assertThat(server.database().recordings().find(aliceId).orElseThrow().flagged()).isTrue();
    moderator.screenshot(Screenshots.dir(), "console-flagged.png");
  }
}
