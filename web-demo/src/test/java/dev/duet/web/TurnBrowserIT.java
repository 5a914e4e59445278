package dev.duet.web;

import static dev.duet.web.Browser.at;
import static dev.duet.web.Browser.atLong;
import static dev.duet.web.Browser.atString;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.duet.signaling.testing.TestServer;
import dev.duet.testsupport.Coturn;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Calls forced through a real coturn (on loopback, started by turn-config/coturn.sh) with the TURN
 * REST credentials the server hands out in welcome.
 */
class TurnBrowserIT {
  static final String SECRET = "browser-test-turn-secret-0123456789";
  static final String RELAY_ONLY = "?ice=relay";

  static Coturn coturn;
  static Browser caller;
  static Browser callee;

  @BeforeAll
  static void start() {
    coturn =
        Coturn.start(
            java.nio.file.Path.of(System.getProperty("duet.turnScript", "../turn-config/coturn.sh"))
                .toAbsolutePath()
                .normalize(),
            SECRET);
    caller = Browser.launch("turn-caller");
    callee = Browser.launch("turn-callee");
  }

  @AfterAll
  static void stop() {
    try (Coturn c = coturn;
        Browser a = caller;
        Browser b = callee) {
      // closed in reverse order
    }
  }

  static TestServer server(String ttl) {
    return TestServer.start(
        "DUET_WEB_ROOT",
        WebRoot.path().toString(),
        "DUET_TURN_URLS",
        coturn.urls(),
        "DUET_TURN_SECRET",
        SECRET,
        "DUET_TURN_TTL",
        ttl);
  }

  static URI base(TestServer s) {
    return URI.create("http://127.0.0.1:" + s.server().port() + "/");
  }

  static void call(URI base, String a, String b) {
    caller.signIn(base, RELAY_ONLY, a);
    callee.signIn(base, RELAY_ONLY, b);
    caller.type("add-name", b);
    caller.find("#add-form button").click();
    caller.awaitSnapshot(b + " online", s -> at(s, "contacts." + b + ".online").getAsBoolean());
    caller.find("li.contact[data-user='" + b + "'] button[data-action=call]").click();
    callee.awaitSnapshot("ringing", s -> s.get("ringing").getAsBoolean());
    callee.click("btn-accept");
  }

  @Test
  void relayOnlyCallGoesThroughTurnOnBothSides() {
    try (TestServer server = server("1h")) {
      URI base = base(server);
      call(base, "turn-alice", "turn-bob");
      for (Browser b : new Browser[] {caller, callee}) {
        JsonObject s =
            b.awaitSnapshot(
                "connected through TURN with > 50 frames decoded",
                s1 ->
                    "connected".equals(atString(s1, "call.state"))
                        && atLong(s1, "call.stats.framesDecoded") > 50
                        && atLong(s1, "call.stats.audioPacketsReceived") > 0);
        assertThat(atString(s, "turn.status")).isEqualTo("ok");
        assertThat(atString(s, "call.stats.pair.local")).isEqualTo("relay");
        assertThat(atString(s, "call.stats.pair.remote")).isEqualTo("relay");
      }
      caller.awaitSnapshot("bitrate", s -> atLong(s, "call.stats.inKbps") > 0);
      callee.awaitSnapshot("bitrate", s -> atLong(s, "call.stats.inKbps") > 0);
      caller.screenshot(Screenshots.dir(), "turn-caller.png");
      callee.screenshot(Screenshots.dir(), "turn-callee.png");
      callee.click("btn-hangup");
      for (Browser b : new Browser[] {caller, callee}) {
        JsonObject s = b.awaitSnapshot("ended", s1 -> s1.get("call").isJsonNull());
        assertThat(atString(s, "lastEnd.reason")).isEqualTo("hangup");
      }
    }
  }

  @Test
  void expiredTurnCredentialsGiveNoRelayCandidateAndThePageSaysWhy() {
    // A negative TTL: every credential the server hands out has already expired.
    try (TestServer server = server("-60s")) {
      URI base = base(server);
      call(base, "expired-alice", "expired-bob");
      for (Browser b : new Browser[] {caller, callee}) {
        JsonObject s =
            b.awaitSnapshot(
                "TURN check failed", s1 -> "failed".equals(atString(s1, "turn.status")));
        assertThat(atString(s, "turn.text")).contains("No relay candidate").contains("expired");
        // In the call too: coturn refused the allocation, so no relay candidate and no pair.
        s =
            b.awaitSnapshot(
                "the call's TURN error",
                s1 -> at(s1, "call.turnErrors").getAsJsonArray().size() > 0);
        assertThat(at(s, "call.stats.pair")).isNull();
        assertThat(b.text("call-warning")).contains("No relay route").contains("expired");
      }
      caller.screenshot(Screenshots.dir(), "turn-expired-caller.png");
      caller.click("btn-hangup");
      for (Browser b : new Browser[] {caller, callee}) {
        b.awaitSnapshot("ended", s1 -> s1.get("call").isJsonNull());
      }
    }
  }
}
