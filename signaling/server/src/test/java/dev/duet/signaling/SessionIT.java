package dev.duet.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.duet.signaling.testing.Client;
import dev.duet.signaling.testing.Recorder;
import dev.duet.signaling.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Sequence numbers, acks and resume on WebSocket. */
class SessionIT {
  static TestServer server;
  String p;

  @BeforeAll
  static void start() {
    server = TestServer.start("DUET_RESUME_GRACE", "3s");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @BeforeEach
  void prefix(TestInfo info) {
    p = info.getTestMethod().orElseThrow().getName() + "-";
  }

  @Test
  void resumeReplaysEverythingAfterLastSeqInOrderWithoutDuplicates() {
    Recorder a = server.connect(p + "a");
    Recorder b = server.connect(p + "b");
    for (int i = 0; i < 5; i++) {
      a.send("chat.send", "to", p + "b", "text", "m" + i, "clientMsgId", "k" + i);
    }
    // a's presence may reach b too, before or between the chats (see ChatIT): skipped.
    long seen = 0;
    for (int i = 0; i < 5; i++) {
      JsonObject m = b.expectSkipping("chat.message", "presence");
      assertThat(m.get("text").getAsString()).isEqualTo("m" + i);
      if (i == 1) {
        seen = m.get("seq").getAsLong(); // pretend only the first two arrived before the drop
      }
    }
    String token = b.resumeToken();
    b.drop();
    for (int i = 5; i < 8; i++) {
      a.send("chat.send", "to", p + "b", "text", "m" + i, "clientMsgId", "k" + i);
    }
    Recorder b2 = server.resume(p + "b", token, seen);
    assertThat(b2.welcome().get("resumed").getAsBoolean()).isTrue();
    assertThat(b2.welcome().get("resumeToken").getAsString()).isNotEqualTo(token);
    List<String> texts = new ArrayList<>();
    long expectedSeq = seen + 1; // every frame after seen, in order, presence included
    while (texts.size() < 6) {
      JsonObject m = b2.next();
      assertThat(m.get("seq").getAsLong()).as("%s", m).isEqualTo(expectedSeq++);
      if (m.get("type").getAsString().equals("chat.message")) {
        texts.add(m.get("text").getAsString());
      } else {
        assertThat(m.get("type").getAsString()).as("%s", m).isEqualTo("presence");
      }
    }
    assertThat(texts).containsExactly("m2", "m3", "m4", "m5", "m6", "m7");
  }

  @Test
  void aResumeTokenIsBoundToItsUserAndSpentOnceTheClientShowsItHasTheNewerOne() {
    Recorder a = server.connect(p + "a");
    String token = a.resumeToken();
    a.drop();
    Recorder stranger = server.resume(p + "mallory", token, 0);
    assertThat(stranger.welcome().get("resumed").getAsBoolean()).isFalse();
    Recorder again = server.resume(p + "a", token, 0);
    assertThat(again.welcome().get("resumed").getAsBoolean()).isTrue();
    again.send("ping"); // it got the welcome: the token it resumed with is spent
    again.expect("pong");
    again.drop();
    Recorder reuse = server.resume(p + "a", token, 0);
    assertThat(reuse.welcome().get("resumed").getAsBoolean()).isFalse();
    Recorder unknown = server.resume(p + "a", "no-such-token", 0);
    assertThat(unknown.welcome().get("resumed").getAsBoolean()).isFalse();
  }

  @Test
  void aResumeWhoseWelcomeIsLostCanBeMadeAgainWithTheSameToken() {
    Recorder a = server.connect(p + "a");
    Recorder b = server.connect(p + "b");
    String sessionId = a.welcome().get("sessionId").getAsString();
    String token = a.resumeToken();
    long seen = a.lastSeq();
    a.drop();
    b.send("chat.send", "to", p + "a", "text", "while you were away", "clientMsgId", "k1");
    b.expectSkipping("chat.sent", "presence");

    // The resume goes through, but its connection dies before the client reads the welcome: the
    // client still holds only the token it presented.
    Recorder lost = server.resume(p + "a", token, seen);
    assertThat(lost.welcome().get("resumed").getAsBoolean()).isTrue();
    String unseenToken = lost.welcome().get("resumeToken").getAsString();
    lost.drop();

    Recorder back = server.resume(p + "a", token, seen);
    assertThat(back.welcome().get("resumed").getAsBoolean()).as("resumed again").isTrue();
    assertThat(back.welcome().get("sessionId").getAsString()).isEqualTo(sessionId);
    // b's arrival may be announced to a (now a correspondent) after the chat: skipped.
    assertThat(back.expectSkipping("chat.message", "presence").get("text").getAsString())
        .isEqualTo("while you were away");
    String newest = back.resumeToken();
    assertThat(newest).isNotIn(token, unseenToken);
    back.send("ping"); // back has its welcome: the presented token is spent now
    back.expectSkipping("pong", "presence");
    back.drop();

    Recorder withTheUnseen = server.resume(p + "a", unseenToken, seen);
    assertThat(withTheUnseen.welcome().get("resumed").getAsBoolean())
        .as("the token of the lost welcome, superseded by a later resume")
        .isFalse();
    Recorder withTheFirst = server.resume(p + "a", token, seen);
    assertThat(withTheFirst.welcome().get("resumed").getAsBoolean())
        .as("the presented token, once the client showed it had the newer one")
        .isFalse();
    Recorder withTheNewest = server.resume(p + "a", newest, seen);
    assertThat(withTheNewest.welcome().get("resumed").getAsBoolean()).isTrue();
    assertThat(withTheNewest.welcome().get("sessionId").getAsString()).isEqualTo(sessionId);
  }

  @Test
  void resumingWithTheNewestTokenSpendsTheOneBefore() {
    Recorder a = server.connect(p + "a");
    String first = a.resumeToken();
    a.drop();
    Recorder second = server.resume(p + "a", first, 0);
    String secondToken = second.resumeToken();
    second.drop(); // silent: nothing confirmed the welcome, so `first` is still good...
    Recorder third = server.resume(p + "a", secondToken, 0); // ...until the newer one is used
    assertThat(third.welcome().get("resumed").getAsBoolean()).isTrue();
    third.drop();
    assertThat(server.resume(p + "a", first, 0).welcome().get("resumed").getAsBoolean()).isFalse();
    assertThat(
            server.resume(p + "a", third.resumeToken(), 0).welcome().get("resumed").getAsBoolean())
        .isTrue();
  }

  @Test
  void ofTwoResumesRacingWithOneTokenTheSurvivorHoldsAWorkingToken() throws Exception {
    for (int round = 0; round < 10; round++) {
      String user = p + "racer" + round;
      Recorder a = server.connect(user);
      String sessionId = a.welcome().get("sessionId").getAsString();
      String token = a.resumeToken();
      a.drop();
      java.net.URI uri = server.wsUri(server.token(user), "resume=" + token + "&lastSeq=0");
      var one = java.util.concurrent.CompletableFuture.supplyAsync(() -> open(uri));
      var two = java.util.concurrent.CompletableFuture.supplyAsync(() -> open(uri));
      List<Recorder> both = List.of(one.get(), two.get());
      // The one attached first is replaced (4003, with or without its welcome); the other stays.
      long deadline = System.nanoTime() + Client.WAIT.toNanos();
      while (both.stream().noneMatch(Client::isClosed) && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      List<Recorder> open = both.stream().filter(r -> !r.isClosed()).toList();
      assertThat(open).as("round %d: one racing resume replaced the other", round).hasSize(1);
      Recorder replaced = both.stream().filter(Client::isClosed).findFirst().orElseThrow();
      assertThat(replaced.awaitClose()).isEqualTo(dev.duet.protocol.CloseCode.REPLACED);
      Recorder survivor = open.get(0);
      JsonObject welcome = survivor.expect("welcome");
      assertThat(welcome.get("sessionId").getAsString()).isEqualTo(sessionId);
      survivor.drop();
      Recorder next = server.resume(user, welcome.get("resumeToken").getAsString(), 0);
      assertThat(next.welcome().get("resumed").getAsBoolean())
          .as("round %d: the survivor's token resumes", round)
          .isTrue();
      assertThat(next.welcome().get("sessionId").getAsString()).isEqualTo(sessionId);
    }
  }

  private Recorder open(java.net.URI uri) {
    return server.track(Recorder.open(uri, java.util.Map.of(), 0));
  }

  @Test
  void callSurvivesAResumeOfEitherPartyAndCandidatesSentMeanwhileAreReplayed() {
    Recorder a = server.connect(p + "a");
    Recorder b = server.connect(p + "b");
    String id = UUID.randomUUID().toString();
    a.send("call.invite", "callId", id, "to", p + "b");
    b.expect("call.incoming");
    b.send("call.accept", "callId", id);
    a.expect("call.accepted");
    b.expect("call.accepted");

    long seen = b.lastSeq();
    String token = b.resumeToken();
    b.drop();
    a.send("sdp.offer", "callId", id, "sdp", "v=0\r\ns=while-away");
    a.send("ice.candidate", "callId", id, "candidate", CallFlowIT.candidate(7));
    a.assertExhausted(); // a is not told anything ended
    Recorder b2 = server.resume(p + "b", token, seen);
    assertThat(b2.expect("sdp.offer").get("sdp").getAsString()).isEqualTo("v=0\r\ns=while-away");
    assertThat(
            b2.expect("ice.candidate").getAsJsonObject("candidate").get("candidate").getAsString())
        .contains("candidate:7");
    b2.send("sdp.answer", "callId", id, "sdp", "v=0\r\ns=answer");
    a.expect("sdp.answer");

    // And the caller resumes too.
    long aSeen = a.lastSeq();
    String aToken = a.resumeToken();
    a.drop();
    b2.send("ice.candidate", "callId", id, "candidate", CallFlowIT.candidate(9));
    Recorder a2 = server.resume(p + "a", aToken, aSeen);
    a2.expect("ice.candidate");
    a2.send("call.hangup", "callId", id);
    assertThat(b2.expect("call.ended").get("reason").getAsString()).isEqualTo("hangup");
  }

  @Test
  void callEndsWithConnectionLostWhenGraceRunsOut() {
    Recorder a = server.connect(p + "a");
    Recorder b = server.connect(p + "b");
    String id = UUID.randomUUID().toString();
    a.send("call.invite", "callId", id, "to", p + "b");
    b.expect("call.incoming");
    b.send("call.accept", "callId", id);
    a.expect("call.accepted");
    b.expect("call.accepted");
    b.drop();
    JsonObject ended = a.expectSkipping("call.ended", "presence");
    assertThat(ended.get("reason").getAsString()).isEqualTo("connection_lost");
  }

  @Test
  void closedConnectionsLeaveNoTimerOrSessionBehind() throws Exception {
    try (TestServer quick = TestServer.start("DUET_RESUME_GRACE", "300ms")) {
      Switchboard board = quick.server().switchboard();
      int baseline = board.pendingTimers(); // the ring tick and the rate-limit sweep
      for (int i = 0; i < 30; i++) {
        quick.connect("churn-" + i).close();
      }
      List<String> users =
          java.util.stream.IntStream.range(0, 30).mapToObj(i -> "churn-" + i).toList();
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
      // First every session's grace runs out (each end queues a presence task on the loop), then
      // the loop's queue is back to its own tick. Server-side state: nothing to await but values.
      while (board.presence(users).containsValue(true) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      while (board.pendingTimers() > baseline && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(board.presence(users)).doesNotContainValue(true);
      assertThat(board.pendingTimers()).isEqualTo(baseline);
    }
  }

  @Test
  void ackedMessagesAreNotReplayed() {
    Recorder a = server.connect(p + "a");
    Recorder b = server.connect(p + "b");
    a.send("chat.send", "to", p + "b", "text", "one", "clientMsgId", "1");
    b.expectSkipping("chat.message", "presence");
    long acked = b.lastSeq();
    b.send("ack", "seq", acked);
    b.send("ping"); // frames on one connection are handled in order: the ack is in before "two"
    b.expectSkipping("pong", "presence");
    a.send("chat.send", "to", p + "b", "text", "two", "clientMsgId", "2");
    long twoSeq = b.expectSkipping("chat.message", "presence").get("seq").getAsLong();
    String token = b.resumeToken();
    b.drop();
    // lastSeq 0 asks for everything, but the acked message has left the outbox.
    Recorder b2 =
        server.track(
            Recorder.connect(
                server.wsUri(server.token(p + "b"), "resume=" + token + "&lastSeq=0"),
                java.util.Map.of(),
                acked));
    JsonObject two = b2.expectSkipping("chat.message", "presence", "pong"); // pong: unacked
    assertThat(two.get("text").getAsString()).isEqualTo("two");
    assertThat(two.get("seq").getAsLong()).isEqualTo(twoSeq);
  }

  @Test
  void anAckBeyondWhatWasSentLosesNothing() {
    Recorder a = server.connect(p + "a");
    Recorder b = server.connect(p + "b");
    a.send("chat.send", "to", p + "b", "text", "one", "clientMsgId", "1");
    long seen = b.expect("chat.message").get("seq").getAsLong();
    b.sendRaw("{\"type\":\"ack\",\"seq\":1000000000000000}"); // what it cannot have seen
    String token = b.resumeToken();
    String bSession = b.welcome().get("sessionId").getAsString();
    b.drop();
    awaitDetached(bSession, p + "b"); // else "two" may still be written to the dying link
    a.send("chat.send", "to", p + "b", "text", "two", "clientMsgId", "2");
    JsonObject sent;
    do { // "two" is stored and queued for b before b resumes
      sent = a.expectSkipping("chat.sent", "presence", "chat.receipt");
    } while (!sent.get("clientMsgId").getAsString().equals("2"));
    // The resume claims far more than was ever sent, too: "two" was never sent, so it stays.
    Recorder b2 =
        server.track(
            Recorder.connect(
                server.wsUri(server.token(p + "b"), "resume=" + token + "&lastSeq=1000000000000"),
                java.util.Map.of(),
                1));
    JsonObject two = b2.expect("chat.message");
    assertThat(two.get("text").getAsString()).isEqualTo("two");
    assertThat(two.get("seq").getAsLong()).isGreaterThan(seen);
  }

  @Test
  void aUserPastTheSessionCapLosesItsOldestSessionsDetachedFirst() throws Exception {
    java.util.List<Recorder> open = new java.util.ArrayList<>();
    for (int i = 0; i < 16; i++) { // the default DUET_MAX_SESSIONS_PER_USER
      open.add(server.connect(p + "many"));
    }
    Recorder dropped = open.remove(4);
    String token = dropped.resumeToken();
    String droppedId = dropped.welcome().get("sessionId").getAsString();
    dropped.drop(); // in its resume grace: detached
    awaitDetached(droppedId, p + "many");
    Recorder seventeenth = server.connect(p + "many");
    seventeenth.assertExhausted();
    // The detached one went first: its resume now opens a fresh session...
    Recorder back =
        server.track(
            Recorder.connect(
                server.wsUri(server.token(p + "many"), "resume=" + token + "&lastSeq=0"),
                java.util.Map.of()));
    assertThat(back.welcome().get("resumed").getAsBoolean()).isFalse();
    // ... which made 17 again: now the oldest attached one is closed with 4006.
    assertThat(open.get(0).awaitClose()).isEqualTo(4006);
    open.get(1).assertExhausted();
    seventeenth.assertExhausted();
  }

  /** Waits until the server has noticed that a dropped client's link is gone. */
  private void awaitDetached(String sessionId, String user) {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    while (server
        .server()
        .switchboard()
        .sessionOf(sessionId, user)
        .orElseThrow()
        .detachedSince()
        .isEmpty()) {
      assertThat(System.nanoTime()).as("the server noticed the drop").isLessThan(deadline);
      try {
        Thread.sleep(10); // polling the session's state with a deadline: no event to await
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
