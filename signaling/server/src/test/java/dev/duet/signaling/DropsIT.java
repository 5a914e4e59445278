package dev.duet.signaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.gson.JsonObject;
import dev.duet.signaling.testing.Client;
import dev.duet.signaling.testing.TestServer;
import dev.duet.signaling.testing.TestServer.Transport;
import dev.duet.testsupport.CuttingProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 200 drops at random points during a busy exchange of chat and call signaling, each followed by a
 * resume: what each side received equals what the other sent, with no gaps, duplicates or
 * reordering. Half the drops are the client's own (abort), half are cuts by a TCP proxy. Runs on
 * every transport, and on all of them mixed (each resume on the next transport).
 */
class DropsIT {
  static final int DROPS = 200;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"WS", "SSE", "LONGPOLL", "SHORTPOLL", "MIXED"})
  void nothingIsLostDuplicatedOrReorderedAcross200Drops(String scenario) throws Exception {
    Random random = new Random(42);
    try (TestServer server =
            TestServer.start("DUET_CHAT_RATE_LIMIT", "5000", "DUET_RATE_LIMIT", "5000");
        CuttingProxy proxy = new CuttingProxy(server.server().port())) {
      List<Transport> cycle =
          scenario.equals("MIXED")
              ? List.of(Transport.WS, Transport.SSE, Transport.LONGPOLL, Transport.SHORTPOLL)
              : List.of(Transport.valueOf(scenario));
      Client a = server.connect("alice", Transport.WS, server.server().port(), null, 0).autoAck();
      Client b = server.connect("bob", cycle.get(0), proxy.port(), null, 0);

      String callId = UUID.randomUUID().toString();
      a.send("call.invite", "callId", callId, "to", "bob");
      b.expectSkipping("call.incoming", "presence");
      b.send("call.accept", "callId", callId);
      a.expectSkipping("call.accepted", "presence");

      Receiver bob = new Receiver();
      List<String> sentByA = new ArrayList<>();
      List<String> candidatesByA = new ArrayList<>();
      List<String> sentByB = new ArrayList<>();
      Map<String, String> unconfirmedB = new LinkedHashMap<>();
      int aCount = 0;

      for (int drop = 0; drop < DROPS; drop++) {
        for (int i = 0; i < 3; i++) {
          String text = "a-" + aCount++;
          a.send("chat.send", "to", "bob", "text", text, "clientMsgId", text);
          sentByA.add(text);
        }
        String cand = "candidate:" + drop + " 1 udp 1 192.0.2.7 " + (10000 + drop) + " typ host";
        JsonObject c = new JsonObject();
        c.addProperty("candidate", cand);
        c.addProperty("sdpMid", "0");
        c.addProperty("sdpMLineIndex", 0);
        a.send("ice.candidate", "callId", callId, "candidate", c);
        candidatesByA.add(cand);

        String mine = "b-" + drop;
        unconfirmedB.put(mine, mine);
        sentByB.add(mine);
        b.send("chat.send", "to", "alice", "text", mine, "clientMsgId", mine);

        // Read a random number of messages, then drop at that point.
        int reads = random.nextInt(5);
        for (int r = 0; r < reads; r++) {
          JsonObject m = b.poll(Duration.ofMillis(200));
          if (m == null) {
            break;
          }
          bob.take(m, unconfirmedB);
        }
        if (drop % 2 == 0) {
          b.drop();
        } else {
          proxy.cut();
          b.drop(); // a poller would otherwise poll on through a new connection
        }
        for (JsonObject m : b.drain()) {
          bob.take(m, unconfirmedB); // what arrived before the drop was received
        }
        Transport next = cycle.get((drop + 1) % cycle.size());
        Client resumed = server.connect("bob", next, proxy.port(), b.resumeToken(), b.lastSeq());
        assertThat(resumed.welcome().get("resumed").getAsBoolean())
            .as("resume %d on %s", drop, next)
            .isTrue();
        b = resumed;
        for (String pending : unconfirmedB.keySet()) {
          b.send("chat.send", "to", "alice", "text", pending, "clientMsgId", pending);
        }
        if (drop % 5 == 0) {
          b.ack();
        }
      }

      a.send("chat.send", "to", "bob", "text", "a-end", "clientMsgId", "a-end");
      sentByA.add("a-end");
      while (!bob.chats.contains("a-end")) {
        bob.take(b.next(), unconfirmedB);
      }
      assertThat(bob.chats).as("chat alice -> bob").containsExactlyElementsOf(sentByA);
      assertThat(bob.candidates).as("ICE alice -> bob").containsExactlyElementsOf(candidatesByA);

      b.send("chat.send", "to", "alice", "text", "b-end", "clientMsgId", "b-end");
      sentByB.add("b-end");
      List<String> atAlice = new ArrayList<>();
      while (!atAlice.contains("b-end")) {
        JsonObject m = a.next();
        String type = m.get("type").getAsString();
        if (type.equals("chat.message")) {
          atAlice.add(m.get("text").getAsString());
        } else if (type.startsWith("test.")) {
          fail("alice: " + m);
        }
      }
      assertThat(atAlice).as("chat bob -> alice").containsExactlyElementsOf(sentByB);

      // The call survived every drop.
      b.send("call.hangup", "callId", callId);
      JsonObject ended = a.expectSkipping("call.ended", "chat.sent", "chat.receipt", "presence");
      assertThat(ended.get("reason").getAsString()).isEqualTo("hangup");
    }
  }

  /** What bob's application saw, in order. */
  static final class Receiver {
    final List<String> chats = new ArrayList<>();
    final List<String> candidates = new ArrayList<>();

    void take(JsonObject m, Map<String, String> unconfirmed) {
      switch (m.get("type").getAsString()) {
        case "chat.message" -> chats.add(m.get("text").getAsString());
        case "ice.candidate" ->
            candidates.add(m.getAsJsonObject("candidate").get("candidate").getAsString());
        case "chat.sent" -> unconfirmed.remove(m.get("clientMsgId").getAsString());
        case "test.seq-gap" -> fail("sequence gap: " + m);
        case "error" -> fail("error: " + m);
        default -> {
          // receipts, presence, pong
        }
      }
    }
  }
}
