package dev.duet.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.duet.protocol.CloseCode;
import dev.duet.signaling.testing.Recorder;
import dev.duet.signaling.testing.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Terminal conditions close the WebSocket with the documented codes. */
class CloseCodesIT {

  @Test
  void silentClientIsClosedWithIdleTimeout() {
    try (TestServer server = TestServer.start("DUET_HEARTBEAT", "300ms")) {
      Recorder a = server.connect("a");
      assertThat(a.welcome().get("heartbeatMs").getAsLong()).isEqualTo(300);
      assertThat(a.awaitClose()).isEqualTo(CloseCode.IDLE_TIMEOUT);
    }
  }

  @Test
  void linkIsClosedWhenItsTokenExpiresAndTheSessionResumesWithAFreshOne() {
    try (TestServer server = TestServer.start()) {
      String shortLived =
          server.server().devTokens().orElseThrow().issue("a", List.of(), Duration.ofSeconds(2));
      Recorder a = server.track(Recorder.connect(server.wsUri(shortLived, ""), Map.of()));
      String resume = a.resumeToken();
      assertThat(a.awaitClose()).isEqualTo(CloseCode.TOKEN_EXPIRED);
      Recorder again = server.resume("a", resume, a.lastSeq());
      assertThat(again.welcome().get("resumed").getAsBoolean()).isTrue();
    }
  }

  @Test
  void aClientThatNeverAcksIsClosedAtItsOutboxBudgetAndLosesNoChat() {
    try (TestServer server = TestServer.withSmallOutbox()) {
      Recorder a = server.connect("budget-a");
      Recorder b = server.connect("budget-b"); // reads, never acks: the outbox keeps everything
      for (int i = 0; i < 20; i++) { // 20 frames of about 4 KB: over 50 000 bytes by the 13th
        a.send("chat.send", "to", "budget-b", "text", i + "x".repeat(3990), "clientMsgId", "m" + i);
        a.expectSkipping("chat.sent", "presence");
      }
      assertThat(b.awaitClose()).isEqualTo(CloseCode.OUTBOX_OVERFLOW);
      // Every chat was stored first: the next session gets them all, in rounds as it acks, once.
      Recorder again = server.connect("budget-b");
      java.util.Set<String> texts = new java.util.HashSet<>();
      java.util.Set<Long> ids = new java.util.HashSet<>();
      for (int i = 0; i < 20; i++) {
        JsonObject m = again.expectSkipping("chat.message", "presence");
        texts.add(m.get("text").getAsString());
        ids.add(m.get("msgId").getAsLong());
        again.ack();
      }
      assertThat(texts).hasSize(20);
      assertThat(ids).hasSize(20);
      // A round the last ack started would queue a duplicate before this chat goes out.
      a.send("chat.send", "to", "budget-b", "text", "last", "clientMsgId", "end");
      assertThat(again.expectSkipping("chat.message", "presence").get("text").getAsString())
          .isEqualTo("last");
    }
  }

  @Test
  void floodingClientIsClosedForRateLimitAbuse() {
    try (TestServer server = TestServer.start("DUET_RATE_LIMIT", "5")) {
      Recorder a = server.connect("a");
      // Until the server closes: the close needs 200 refusals in a row, and on a busy machine a
      // pause between sends lets a token refill and restarts the count.
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
      while (!a.isClosed() && System.nanoTime() < deadline) {
        try {
          a.sendRaw("{\"type\":\"ping\"}");
        } catch (RuntimeException closedAlready) {
          break;
        }
      }
      assertThat(a.awaitClose()).isEqualTo(CloseCode.RATE_LIMIT_ABUSE);
    }
  }

  @Test
  void resumingOnASecondConnectionReplacesTheFirst() {
    try (TestServer server = TestServer.start()) {
      Recorder a = server.connect("a");
      Recorder b = server.resume("a", a.resumeToken(), 0);
      assertThat(b.welcome().get("resumed").getAsBoolean()).isTrue();
      assertThat(a.awaitClose()).isEqualTo(CloseCode.REPLACED);
    }
  }
}
