package dev.duet.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.duet.signaling.testing.Recorder;
import dev.duet.signaling.testing.TestServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Instant messages: stored first, acknowledged, delivered on reconnect, receipts, history. */
class ChatIT {
  static TestServer server;
  String p;

  @BeforeAll
  static void start() {
    server = TestServer.start("DUET_CHAT_RATE_LIMIT", "20");
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
  void messageIsStoredConfirmedDeliveredAndReceiptsFlowBack() {
    Recorder a = server.connect(p + "a");
    Recorder b = server.connect(p + "b");
    String id = a.send("chat.send", "to", p + "b", "text", "hello 👋", "clientMsgId", "c-1");
    JsonObject sent = a.expectSkipping("chat.sent", "presence");
    assertThat(sent.get("re").getAsString()).isEqualTo(id);
    assertThat(sent.get("clientMsgId").getAsString()).isEqualTo("c-1");
    long msgId = sent.get("msgId").getAsLong();
    JsonObject got = b.expectSkipping("chat.message", "presence");
    assertThat(got.get("msgId").getAsLong()).isEqualTo(msgId);
    assertThat(got.get("from").getAsString()).isEqualTo(p + "a");
    assertThat(got.get("text").getAsString()).isEqualTo("hello 👋");

    b.ack();
    JsonObject delivered = a.expectSkipping("chat.receipt", "presence");
    assertThat(delivered.get("msgId").getAsLong()).isEqualTo(msgId);
    assertThat(delivered.get("status").getAsString()).isEqualTo("delivered");
    b.send("chat.read", "msgId", msgId);
    JsonObject read = a.expectSkipping("chat.receipt", "presence");
    assertThat(read.get("status").getAsString()).isEqualTo("read");
    a.assertExhausted("presence");
  }

  @Test
  void resentClientMsgIdIsIdempotent() {
    Recorder a = server.connect(p + "a");
    Recorder b = server.connect(p + "b");
    a.send("chat.send", "to", p + "b", "text", "once", "clientMsgId", "same");
    long first = a.expectSkipping("chat.sent", "presence").get("msgId").getAsLong();
    a.send("chat.send", "to", p + "b", "text", "once", "clientMsgId", "same");
    assertThat(a.expectSkipping("chat.sent", "presence").get("msgId").getAsLong()).isEqualTo(first);
    b.expectSkipping("chat.message", "presence");
    b.assertExhausted("presence");
  }

  @Test
  void offlineRecipientGetsStoredMessagesInOrderWhenItConnects() {
    Recorder a = server.connect(p + "a");
    for (int i = 0; i < 20; i++) {
      a.send("chat.send", "to", p + "b", "text", "offline " + i, "clientMsgId", "o" + i);
      a.expect("chat.sent");
    }
    Recorder b = server.connect(p + "b");
    for (int i = 0; i < 20; i++) {
      assertThat(b.expect("chat.message").get("text").getAsString()).isEqualTo("offline " + i);
    }
    b.ack();
    for (int i = 0; i < 20; i++) {
      assertThat(a.expectSkipping("chat.receipt", "presence").get("status").getAsString())
          .isEqualTo("delivered");
    }
    // Delivered messages are not delivered again to a new session.
    Recorder b2 = server.connect(p + "b");
    b2.assertExhausted();
  }

  @Test
  void aMessageSentWhileABacklogComesInRoundsWaitsBehindIt() {
    try (TestServer small = TestServer.withSmallOutbox()) {
      Recorder a = small.connect("order-a");
      List<String> sent = sendLabelled(a, "order-b", 12); // a round (half the outbox) takes 6
      Recorder b = small.connect("order-b");
      List<String> got = new ArrayList<>();
      got.add(label(b.expectSkipping("chat.message", "presence"))); // the next round waits for acks
      a.send("chat.send", "to", "order-b", "text", "live", "clientMsgId", "live");
      a.expectSkipping("chat.sent", "presence");
      sent.add("live");
      while (got.size() < sent.size()) {
        b.ack();
        got.add(label(b.expectSkipping("chat.message", "presence")));
      }
      assertThat(got).containsExactlyElementsOf(sent);
    }
  }

  @Test
  void aMessageHeldBehindABacklogStillComesWhenAnotherDeviceGotItFirst() {
    try (TestServer small = TestServer.withSmallOutbox()) {
      Recorder a = small.connect("both-a");
      Recorder phone = small.connect("both-b"); // connected: gets everything live
      sendLabelled(a, "both-b", 10);
      // The laptop connects while none of the ten is acked: a backlog of two rounds.
      Recorder laptop = small.connect("both-b");
      List<String> got = new ArrayList<>();
      got.add(label(laptop.expectSkipping("chat.message", "presence")));
      a.send("chat.send", "to", "both-b", "text", "live", "clientMsgId", "live");
      a.expectSkipping("chat.sent", "presence");
      for (int i = 0; i < 11; i++) {
        phone.expectSkipping("chat.message", "presence");
      }
      phone.ack(); // all eleven delivered, to the phone
      for (int i = 0; i < 11; i++) {
        assertThat(a.expectSkipping("chat.receipt", "presence").get("status").getAsString())
            .isEqualTo("delivered");
      }
      while (!got.get(got.size() - 1).equals("live")) {
        laptop.ack();
        got.add(label(laptop.expectSkipping("chat.message", "presence")));
      }
      // Stored messages another device got come no more; the live one always does, once, last.
      List<Integer> stored = got.subList(0, got.size() - 1).stream().map(Integer::valueOf).toList();
      assertThat(stored).isSorted().doesNotHaveDuplicates();
      laptop.ack();
      laptop.assertExhausted("presence");
    }
  }

  @Test
  void storedMessagesTheDatabaseCouldNotLoadComeOnceItCan() throws Exception {
    try (TestServer own = TestServer.start()) {
      Recorder a = own.connect("retry-a");
      a.send("chat.send", "to", "retry-b", "text", "while you were away", "clientMsgId", "w");
      a.expectSkipping("chat.sent", "presence");
      Recorder b;
      try (AutoCloseable away = messagesTableAway(own)) {
        b = own.connect("retry-b");
        storeWorkFailed(b); // the backlog round queued at connect failed
      }
      // Nothing for b to ack, and nobody writes: only the retry (after 5 s) brings it.
      assertThat(within(b, RETRY_WAIT, "chat.message").get("text").getAsString())
          .isEqualTo("while you were away");
    }
  }

  @Test
  void aDeliveryAckedWhileTheDatabaseFailedIsMarkedOnceItCan() throws Exception {
    try (TestServer own = TestServer.start()) {
      Recorder a = own.connect("mark-a");
      Recorder b = own.connect("mark-b");
      a.send("chat.send", "to", "mark-b", "text", "hello", "clientMsgId", "h");
      long msgId = a.expectSkipping("chat.sent", "presence").get("msgId").getAsLong();
      b.expectSkipping("chat.message", "presence");
      try (AutoCloseable away = messagesTableAway(own)) {
        b.ack();
        storeWorkFailed(b); // the mark failed
      }
      // The sender learns of the delivery when the retry marks it.
      JsonObject receipt = within(a, RETRY_WAIT, "chat.receipt");
      assertThat(receipt.get("msgId").getAsLong()).isEqualTo(msgId);
      assertThat(receipt.get("status").getAsString()).isEqualTo("delivered");
      // Marked: a new session of b does not get it again.
      own.connect("mark-b").assertExhausted("presence");
    }
  }

  @Test
  void roundsThatKeepFailingKeepOneRetryTimer() throws Exception {
    try (TestServer own = TestServer.start()) {
      Recorder a = own.connect("timers-a");
      a.send("chat.send", "to", "timers-b", "text", "stored", "clientMsgId", "s");
      a.expectSkipping("chat.sent", "presence");
      try (AutoCloseable away = messagesTableAway(own)) {
        Recorder b = own.connect("timers-b");
        storeWorkFailed(b); // the first round failed and set its retry timer
        int timers = own.server().switchboard().pendingTimers();
        for (int i = 0; i < 5; i++) { // each ack starts a round, and each round fails
          b.ack();
          storeWorkFailed(b);
        }
        // The count can move by one: the call timer's tick is out of the queue while it runs,
        // and a retry that fired is about to set the next. Five new timers would be a regression.
        assertThat(own.server().switchboard().pendingTimers()).isBetween(timers - 1, timers + 1);
      }
    }
  }

  /** Renames the messages table away until closed: meanwhile every chat query fails. */
  private static AutoCloseable messagesTableAway(TestServer server) throws Exception {
    javax.sql.DataSource db = server.server().database().dataSource();
    execute(db, "ALTER TABLE messages RENAME TO messages_away");
    return () -> execute(db, "ALTER TABLE messages_away RENAME TO messages");
  }

  /**
   * Returns once the store has done what {@code c}'s session queued so far: store work runs in
   * order, and this read, queued last, fails with the table away.
   */
  private static void storeWorkFailed(Recorder c) {
    c.send("chat.read", "msgId", 1);
    assertThat(c.expectSkipping("error", "presence").get("code").getAsString())
        .isEqualTo("internal");
  }

  private static void execute(javax.sql.DataSource db, String sql) throws Exception {
    try (var c = db.getConnection();
        var st = c.createStatement()) {
      st.execute(sql);
    }
  }

  /** A retry after a database failure comes 5 s later: this leaves room for a busy machine. */
  private static final java.time.Duration RETRY_WAIT = java.time.Duration.ofSeconds(30);

  /** The next message of {@code type} within {@code max}, skipping presence. */
  private static JsonObject within(Recorder c, java.time.Duration max, String type) {
    long end = System.nanoTime() + max.toNanos();
    while (true) {
      JsonObject m = c.poll(java.time.Duration.ofNanos(Math.max(1, end - System.nanoTime())));
      if (m == null) {
        throw new AssertionError("no " + type + " within " + max);
      }
      String t = m.get("type").getAsString();
      if (t.equals(type)) {
        return m;
      }
      assertThat(t).as("skipped while waiting for " + type).isEqualTo("presence");
    }
  }

  /**
   * Sends {@code n} chat messages of about 4 KB to {@code to}, each stored before the next, with
   * texts labelled 0 to n-1 (see {@link #label}); returns the labels in order.
   */
  private static List<String> sendLabelled(Recorder from, String to, int n) {
    List<String> labels = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      from.send("chat.send", "to", to, "text", i + "-" + "x".repeat(3990), "clientMsgId", "m" + i);
      from.expectSkipping("chat.sent", "presence");
      labels.add(String.valueOf(i));
    }
    return labels;
  }

  private static String label(JsonObject chat) {
    return chat.get("text").getAsString().split("-")[0];
  }

  @Test
  void historyPagesNewestFirstAndOnlyForParticipants() throws Exception {
    Recorder a = server.connect(p + "a");
    for (int i = 0; i < 7; i++) {
      a.send("chat.send", "to", p + "b", "text", "h" + i, "clientMsgId", "h" + i);
      a.expect("chat.sent");
    }
    a.send("chat.send", "to", p + "c", "text", "secret", "clientMsgId", "s");
    a.expect("chat.sent");

    List<String> texts = new ArrayList<>();
    String before = "&before="; // empty: absent, the first page
    for (int page = 0; page < 3; page++) {
      JsonObject body =
          get("/api/messages?with=" + p + "a&limit=3" + before, server.token(p + "b"));
      JsonArray msgs = body.getAsJsonArray("messages");
      msgs.forEach(m -> texts.add(m.getAsJsonObject().get("text").getAsString()));
      if (!body.has("nextBefore")) {
        break;
      }
      before = "&before=" + body.get("nextBefore").getAsLong();
    }
    assertThat(texts).containsExactly("h6", "h5", "h4", "h3", "h2", "h1", "h0");

    // b asking for a's conversation with c sees only b's own conversation with c: nothing.
    JsonObject none = get("/api/messages?with=" + p + "c", server.token(p + "b"));
    assertThat(none.getAsJsonArray("messages")).isEmpty();

    // Any user id a token can carry has a history, e.g. an e-mail address with a '+'.
    String email = p + "+mail@example.com";
    a.send("chat.send", "to", email, "text", "to an address", "clientMsgId", "e");
    a.expect("chat.sent");
    JsonObject withEmail =
        get(
            "/api/messages?with="
                + java.net.URLEncoder.encode(email, java.nio.charset.StandardCharsets.UTF_8),
            server.token(p + "a"));
    assertThat(withEmail.getAsJsonArray("messages")).hasSize(1);
  }

  @Test
  void oversizedTextIsRefusedWithTooLarge() {
    Recorder a = server.connect(p + "a");
    a.send("chat.send", "to", p + "b", "text", "é".repeat(2049), "clientMsgId", "big");
    assertThat(a.expect("error").get("code").getAsString()).isEqualTo("too_large");
    a.send("chat.send", "to", p + "b", "text", "x".repeat(4096), "clientMsgId", "fits");
    a.expect("chat.sent");
  }

  @Test
  void unpairedSurrogateIsRefused() {
    Recorder a = server.connect(p + "a");
    a.sendRaw(
        "{\"type\":\"chat.send\",\"to\":\""
            + p
            + "b\",\"text\":\"bad \\ud800 text\",\"clientMsgId\":\"u\"}");
    assertThat(a.expect("error").get("code").getAsString()).isEqualTo("bad_request");
  }

  @Test
  void sendingTooFastIsRateLimited() {
    // 1 chat a second (burst 2): 60 sends exceed it however slowly a busy machine sends them.
    try (TestServer slow = TestServer.start("DUET_CHAT_RATE_LIMIT", "1")) {
      Recorder a = slow.connect("a");
      int limited = 0;
      java.util.Set<String> ids = new java.util.HashSet<>();
      for (int i = 0; i < 60; i++) {
        ids.add(a.send("chat.send", "to", "b", "text", "spam", "clientMsgId", "r" + i));
      }
      for (int i = 0; i < 60; i++) {
        JsonObject m = a.next();
        if (m.get("type").getAsString().equals("error")) {
          assertThat(m.get("code").getAsString()).isEqualTo("rate_limited");
          // names the refused message, so the client knows which to send again
          assertThat(ids).contains(m.get("re").getAsString());
          limited++;
        }
      }
      assertThat(limited).isPositive();
    }
  }

  @Test
  void readReceiptOnlyFromTheRecipient() {
    Recorder a = server.connect(p + "a");
    Recorder mallory = server.connect(p + "mallory");
    a.send("chat.send", "to", p + "b", "text", "x", "clientMsgId", "x");
    long msgId = a.expect("chat.sent").get("msgId").getAsLong();
    mallory.send("chat.read", "msgId", msgId);
    assertThat(mallory.expect("error").get("code").getAsString()).isEqualTo("not_found");
    a.assertExhausted();
  }

  @Test
  void presenceFollowsSessionsOfCorrespondents() throws Exception {
    Recorder a = server.connect(p + "a");
    Recorder b = server.connect(p + "b");
    a.send("chat.send", "to", p + "b", "text", "hi", "clientMsgId", "1");
    // b's arrival is announced to its correspondents, a among them once this chat is stored:
    // before or after the chat, depending on the store thread's order.
    a.expectSkipping("chat.sent", "presence");
    b.expectSkipping("chat.message", "presence");
    JsonObject pres =
        get("/api/presence?users=" + p + "a," + p + "b," + p + "nobody", server.token(p + "a"))
            .getAsJsonObject("presence");
    assertThat(pres.get(p + "b").getAsBoolean()).isTrue();
    assertThat(pres.get(p + "nobody").getAsBoolean()).isFalse();
    b.close();
    // b's session stays within grace (30 s default) and so online; a third session shows presence.
    Recorder c = server.connect(p + "c");
    c.send("chat.send", "to", p + "a", "text", "hey", "clientMsgId", "1");
    c.expectSkipping("chat.sent", "presence");
    a.expectSkipping("chat.message", "presence");
    c.close();
  }

  static JsonObject get(String path, String token) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(server.http(path))
                    .header("Authorization", "Bearer " + token)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }
}
