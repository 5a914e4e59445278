package dev.duet.web;

import static dev.duet.web.Browser.at;
import static dev.duet.web.Browser.atLong;
import static dev.duet.web.Browser.atString;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.duet.signaling.testing.TestServer;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The page forced onto each HTTP transport with {@code ?transport=}: server messages arrive in
 * order, client messages go out over {@code POST /send}, and acks (delivered receipts) and calls
 * work as on WebSocket.
 */
class TransportsBrowserIT {
  static TestServer server;
  static URI base;
  static Browser caller;
  static Browser callee;

  @BeforeAll
  static void start() {
    server = TestServer.start("DUET_WEB_ROOT", WebRoot.path().toString());
    base = URI.create("http://127.0.0.1:" + server.server().port() + "/");
    caller = Browser.launch("transport-caller");
    callee = Browser.launch("transport-callee");
  }

  @AfterAll
  static void stop() {
    try (TestServer s = server;
        Browser a = caller;
        Browser b = callee) {
      // closed in reverse order
    }
  }

  @Test
  void serverSentEventsCarryACallAndChat() {
    callAndChat("sse");
  }

  @Test
  void longPollingCarriesACallAndChat() {
    callAndChat("longpoll");
  }

  @Test
  void shortPollingCarriesACallAndChat() {
    callAndChat("poll");
  }

  @Test
  void webSocketCarriesACallAndChat() {
    callAndChat("ws");
  }

  static void callAndChat(String transport) {
    String alice = transport + "-alice";
    String bob = transport + "-bob";
    String q = "?transport=" + transport;
    caller.signIn(base, q, alice);
    callee.signIn(base, q, bob);
    for (Browser b : new Browser[] {caller, callee}) {
      assertThat(atString(b.snapshot(), "transport")).isEqualTo(transport);
    }
    caller.type("add-name", bob);
    caller.find("#add-form button").click();
    caller.awaitSnapshot(bob + " online", s -> at(s, "contacts." + bob + ".online").getAsBoolean());

    // Chat: a read receipt needs bob's page to have received (and acked) the message.
    caller.type("chat-input", "over " + transport);
    caller.find("#chat-form button[type=submit]").click();
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

    // A call: SDP and trickled candidates go over POST /send and come back on the stream.
    caller.find("li.contact[data-user='" + bob + "'] button[data-action=call]").click();
    callee.awaitSnapshot("ringing", s -> s.get("ringing").getAsBoolean());
    callee.click("btn-accept");
    for (Browser b : new Browser[] {caller, callee}) {
      b.awaitSnapshot(
          "connected with frames decoded",
          s ->
              "connected".equals(atString(s, "call.state"))
                  && atLong(s, "call.stats.framesDecoded") > 20);
    }
    caller.click("btn-hangup");
    for (Browser b : new Browser[] {caller, callee}) {
      JsonObject s = b.awaitSnapshot("ended", s1 -> s1.get("call").isJsonNull());
      assertThat(atString(s, "lastEnd.reason")).isEqualTo("hangup");
      assertThat(atString(s, "transport")).isEqualTo(transport);
    }
    // The pages never put their token in a URL: WebSocket and SSE connect with a ticket, polls
    // and REST send the header.
    String metrics = metricsText();
    if (transport.equals("ws") || transport.equals("sse")) {
      assertThat(metrics).contains("duet_authentications_total{credential=\"ticket\"}");
    }
    assertThat(metrics).contains("duet_authentications_total{credential=\"header\"}");
    assertThat(metrics).doesNotContain("credential=\"query\"");
  }

  static String metricsText() {
    try {
      return java.net.http.HttpClient.newHttpClient()
          .send(
              java.net.http.HttpRequest.newBuilder(base.resolve("/metrics")).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
