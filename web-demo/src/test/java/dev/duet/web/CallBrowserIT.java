package dev.duet.web;

import static dev.duet.web.Browser.at;
import static dev.duet.web.Browser.atLong;
import static dev.duet.web.Browser.atString;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.duet.signaling.testing.Recorder;
import dev.duet.signaling.testing.TestServer;
import java.net.URI;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Calls between two real browsers (caller and callee, each its own Chromium with fake devices)
 * through the real signaling server, peer to peer on this machine's own interface addresses.
 */
class CallBrowserIT {
  static TestServer server;
  static URI base;
  static Browser caller;
  static Browser callee;
  String p; // per-test user prefix: tests sharing the server never meet

  @BeforeAll
  static void start() {
    server = TestServer.start("DUET_WEB_ROOT", WebRoot.path().toString());
    base = URI.create("http://127.0.0.1:" + server.server().port() + "/");
    caller = Browser.launch("caller");
    callee = Browser.launch("callee");
  }

  @AfterAll
  static void stop() {
    try (TestServer s = server;
        Browser a = caller;
        Browser b = callee) {
      // closed in reverse order
    }
  }

  @BeforeEach
  void prefix(TestInfo info) {
    String method = info.getTestMethod().orElseThrow().getName();
    p = "t" + Integer.toHexString(method.hashCode() & 0xfffff) + "-";
  }

  @AfterEach
  void tidy() {
    callee.closeExtraWindows();
  }

  /** Signs both in and has the caller add the callee to People. */
  void signIn(String a, String b, String query) {
    caller.signIn(base, query, a);
    callee.signIn(base, query, b);
    caller.type("add-name", b);
    caller.find("#add-form button").click();
    caller.awaitSnapshot(b + " online", s -> at(s, "contacts." + b + ".online").getAsBoolean());
  }

  static void clickCall(Browser b, String user) {
    b.find("li.contact[data-user='" + user + "'] button[data-action=call]").click();
  }

  static boolean inState(JsonObject s, String state) {
    return state.equals(atString(s, "call.state"));
  }

  @Test
  void peerToPeerCallCarriesVideoAndAudioBothWaysAndHangupEndsBoth() {
    String alice = p + "alice";
    String bob = p + "bob";
    signIn(alice, bob, "");

    clickCall(caller, bob);
    callee.awaitSnapshot("ringing", s -> s.get("ringing").getAsBoolean());
    caller.awaitSnapshot("remote ringing", s -> inState(s, "ringing"));
    callee.click("btn-accept");

    for (Browser b : new Browser[] {caller, callee}) {
      JsonObject s =
          b.awaitSnapshot(
              "connected with > 50 frames decoded and audio",
              s1 ->
                  inState(s1, "connected")
                      && atLong(s1, "call.stats.framesDecoded") > 50
                      && atLong(s1, "call.stats.audioPacketsReceived") > 0);
      assertThat(atString(s, "call.iceConnectionState")).isIn("connected", "completed");
      assertThat(atString(s, "call.path")).isEqualTo("p2p");
      assertThat(atString(s, "call.stats.pair.local")).isEqualTo("host");
      // Media stays on this machine: its own interface address, never loopback or mDNS.
      String addr = atString(s, "call.stats.pair.localAddress");
      assertThat(addr).doesNotStartWith("127.").doesNotContain(".local");
    }
    // Let the connection panel show a live bitrate before the pictures are taken.
    caller.awaitSnapshot("bitrate", s -> atLong(s, "call.stats.inKbps") > 0);
    callee.awaitSnapshot("bitrate", s -> atLong(s, "call.stats.inKbps") > 0);
    Path shots = Screenshots.dir();
    caller.screenshot(shots, "p2p-caller.png");
    callee.screenshot(shots, "p2p-callee.png");

    caller.click("btn-hangup");
    for (Browser b : new Browser[] {caller, callee}) {
      JsonObject s =
          b.awaitSnapshot("call ended", s1 -> s1.get("call").isJsonNull() && s1.has("lastEnd"));
      assertThat(atString(s, "lastEnd.reason")).isEqualTo("hangup");
    }
    assertThat(atString(caller.snapshot(), "lastEnd.text")).isEqualTo("You ended the call.");
    assertThat(atString(callee.snapshot(), "lastEnd.text")).isEqualTo(alice + " ended the call.");
    assertThat(callee.text("last-call")).isEqualTo(alice + " ended the call.");
  }

  @Test
  void everyTabOfTheCalleeRingsAndAcceptingOnOneStopsTheOther() {
    String alice = p + "alice";
    String bob = p + "bob";
    signIn(alice, bob, "");
    callee.openWindow(base, "");
    callee.awaitSnapshot(
        "second tab signed in", s -> "connected".equals(s.get("connection").getAsString()));

    clickCall(caller, bob);
    callee.awaitSnapshot("tab 2 ringing", s -> s.get("ringing").getAsBoolean());
    callee.switchTo(0);
    callee.awaitSnapshot("tab 1 ringing", s -> s.get("ringing").getAsBoolean());
    callee.click("btn-accept");
    callee.awaitSnapshot("tab 1 in the call", s -> atString(s, "call.state") != null);

    callee.switchTo(1);
    JsonObject other =
        callee.awaitSnapshot(
            "tab 2 stopped ringing",
            s ->
                !s.get("ringing").getAsBoolean()
                    && s.has("lastEnd")
                    && !s.get("lastEnd").isJsonNull());
    assertThat(atString(other, "lastEnd.reason")).isEqualTo("answered_elsewhere");
    assertThat(other.get("call").isJsonNull()).isTrue();
    assertThat(callee.text("last-call")).isEqualTo("You answered this call on another device.");

    caller.awaitSnapshot("connected", s -> inState(s, "connected"));
    caller.click("btn-hangup");
    callee.switchTo(0);
    JsonObject s = callee.awaitSnapshot("ended", s1 -> s1.get("call").isJsonNull());
    assertThat(atString(s, "lastEnd.reason")).isEqualTo("hangup");
  }

  @Test
  void rejectingEndsTheCallWithRejectedOnBothSides() {
    String alice = p + "alice";
    String bob = p + "bob";
    signIn(alice, bob, "");

    clickCall(caller, bob);
    callee.awaitSnapshot("ringing", s -> s.get("ringing").getAsBoolean());
    callee.click("btn-reject");

    JsonObject a =
        caller.awaitSnapshot("ended", s -> s.get("call").isJsonNull() && s.has("lastEnd"));
    assertThat(atString(a, "lastEnd.reason")).isEqualTo("rejected");
    assertThat(caller.text("last-call")).isEqualTo(bob + " declined the call.");
    JsonObject b =
        callee.awaitSnapshot(
            "stopped ringing",
            s -> !s.get("ringing").getAsBoolean() && !s.get("lastEnd").isJsonNull());
    assertThat(atString(b, "lastEnd.reason")).isEqualTo("rejected");
    assertThat(atString(b, "lastEnd.text")).isEqualTo("You declined the call.");
  }

  @Test
  void callingSomeoneInAnotherCallEndsWithBusy() {
    String alice = p + "alice";
    String bob = p + "bob";
    // bob is in a call with dave (two protocol-level clients).
    try (Recorder dave = server.connect(p + "dave");
        Recorder bobApp = server.connect(bob)) {
      dave.autoAck();
      bobApp.autoAck();
      String callId = UUID.randomUUID().toString();
      dave.send("call.invite", "callId", callId, "to", bob);
      bobApp.expectSkipping("call.incoming", "presence");
      bobApp.send("call.accept", "callId", callId);
      dave.expectSkipping("call.accepted", "presence");

      caller.signIn(base, "", alice);
      caller.type("add-name", bob);
      caller.find("#add-form button").click();
      caller.awaitSnapshot("bob online", s -> at(s, "contacts." + bob + ".online").getAsBoolean());
      clickCall(caller, bob);
      JsonObject a =
          caller.awaitSnapshot("ended", s -> s.get("call").isJsonNull() && s.has("lastEnd"));
      assertThat(atString(a, "lastEnd.reason")).isEqualTo("busy");
      assertThat(caller.text("last-call")).isEqualTo(bob + " is on another call. Try again later.");
    }
  }

  @Test
  void chatGoesBothWaysWithDeliveredAndReadTicks() {
    String alice = p + "alice";
    String bob = p + "bob";
    caller.showSignIn(base);
    caller.screenshot(Screenshots.dir(), "sign-in.png");
    signIn(alice, bob, "");

    caller.type("chat-input", "Hello Bob, free for a call?");
    caller.find("#chat-form button[type=submit]").click();
    JsonObject b =
        callee.awaitSnapshot(
            "message arrived", s -> at(s, "conversations." + alice).getAsJsonArray().size() == 1);
    assertThat(
            atString(
                b.getAsJsonObject("conversations").getAsJsonArray(alice).get(0).getAsJsonObject(),
                "text"))
        .isEqualTo("Hello Bob, free for a call?");
    // bob's page shows the conversation, so the message counts as read: alice sees blue ticks.
    caller.awaitSnapshot(
        "read receipt",
        s ->
            "read"
                .equals(
                    atString(
                        s.getAsJsonObject("conversations")
                            .getAsJsonArray(bob)
                            .get(0)
                            .getAsJsonObject(),
                        "status")));
    assertThat(caller.find("#messages li.msg.mine .tick").getAttribute("aria-label"))
        .isEqualTo("Read");

    callee.type("chat-input", "Sure, call me!");
    callee.find("#chat-form button[type=submit]").click();
    caller.awaitSnapshot(
        "reply arrived", s -> at(s, "conversations." + bob).getAsJsonArray().size() == 2);
    callee.awaitSnapshot(
        "reply read",
        s ->
            "read"
                .equals(
                    atString(
                        s.getAsJsonObject("conversations")
                            .getAsJsonArray(alice)
                            .get(1)
                            .getAsJsonObject(),
                        "status")));

    // The same page on a phone-sized screen: one section at a time.
    callee.resize(390, 844);
    try {
      callee.find(".tabbar button[data-view=chat]").click();
      callee.screenshot(Screenshots.dir(), "chat-phone.png");
      callee.find(".tabbar button[data-view=people]").click();
      callee.screenshot(Screenshots.dir(), "people-phone.png");
    } finally {
      callee.resize(1280, 800);
    }
    caller.screenshot(Screenshots.dir(), "chat-desktop.png");
  }
}
