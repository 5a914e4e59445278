package dev.duet.store;

import static dev.duet.store.StoreFixtures.at;
import static dev.duet.store.StoreFixtures.millis;
import static dev.duet.store.StoreFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link MessageStore} must do. Subclasses supply an open database. */
abstract class MessageStoreContract {
  private MessageStore store;
  private String alice;
  private String bob;
  private String carol;

  /** An open database, shared by the tests of a run. */
  protected abstract Database database();

  @BeforeEach
  void setUp() {
    store = database().messages();
    alice = unique("alice");
    bob = unique("bob");
    carol = unique("carol");
  }

  @Test
  void appendStoresTheMessageWithIdsInInsertionOrder() {
    MessageStore.Appended first = store.append(alice, bob, "hi", "c1", at(0));
    MessageStore.Appended second = store.append(bob, alice, "hello", "c1", at(1));

    assertThat(first.created()).isTrue();
    assertThat(second.created()).isTrue();
    assertThat(second.message().msgId()).isGreaterThan(first.message().msgId());
    assertThat(first.message())
        .isEqualTo(
            new StoredMessage(
                first.message().msgId(),
                alice,
                bob,
                "hi",
                "c1",
                millis(at(0)),
                Optional.empty(),
                Optional.empty()));
    assertThat(store.find(first.message().msgId())).contains(first.message());
  }

  @Test
  void reSendWithTheSameClientMsgIdReturnsTheFirstMessageAndStoresNoRow() throws SQLException {
    MessageStore.Appended first = store.append(alice, bob, "hi", "c1", at(0));
    MessageStore.Appended again = store.append(alice, bob, "hi (edited)", "c1", at(5));

    assertThat(again.created()).isFalse();
    assertThat(again.message()).isEqualTo(first.message());
    assertThat(rowsFrom(alice)).isEqualTo(1);
  }

  @Test
  void clientMsgIdsAreScopedToTheSender() {
    MessageStore.Appended fromAlice = store.append(alice, bob, "hi", "same", at(0));
    MessageStore.Appended fromBob = store.append(bob, alice, "hi", "same", at(0));

    assertThat(fromBob.created()).isTrue();
    assertThat(fromBob.message().msgId()).isNotEqualTo(fromAlice.message().msgId());
  }

  @Test
  void concurrentAppendsOfOneMessageStoreOneRowAndAllSeeIt() throws Exception {
    int threads = 8;
    int rounds = 15;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < rounds; round++) {
        String clientMsgId = "race-" + round;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<MessageStore.Appended>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          results.add(
              pool.submit(
                  () -> {
                    go.await();
                    return store.append(alice, bob, "race", clientMsgId, at(0));
                  }));
        }
        go.countDown();
        List<MessageStore.Appended> appended = new ArrayList<>();
        for (Future<MessageStore.Appended> result : results) {
          appended.add(result.get(30, TimeUnit.SECONDS));
        }
        assertThat(appended).filteredOn(MessageStore.Appended::created).hasSize(1);
        assertThat(appended)
            .extracting(a -> a.message().msgId())
            .containsOnly(appended.get(0).message().msgId());
      }
      assertThat(rowsFrom(alice)).isEqualTo(rounds);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void undeliveredListsTheRecipientsMessagesOldestFirstUpToTheLimit() {
    long m1 = store.append(alice, bob, "1", "c1", at(0)).message().msgId();
    long m2 = store.append(carol, bob, "2", "c2", at(1)).message().msgId();
    long m3 = store.append(alice, bob, "3", "c3", at(2)).message().msgId();
    store.append(bob, alice, "not to bob", "c4", at(3));

    assertThat(store.undelivered(bob, 10))
        .extracting(StoredMessage::msgId)
        .containsExactly(m1, m2, m3);
    assertThat(store.undelivered(bob, 2)).extracting(StoredMessage::msgId).containsExactly(m1, m2);

    assertThat(store.markDelivered(m2, at(10))).isTrue();
    assertThat(store.undelivered(bob, 10)).extracting(StoredMessage::msgId).containsExactly(m1, m3);
  }

  @Test
  void markDeliveredChangesOnlyOnce() {
    long id = store.append(alice, bob, "hi", "c1", at(0)).message().msgId();

    assertThat(store.markDelivered(id, at(1))).isTrue();
    assertThat(store.markDelivered(id, at(2))).isFalse();
    assertThat(store.find(id).orElseThrow().deliveredAt()).contains(millis(at(1)));
    assertThat(store.markDelivered(Long.MAX_VALUE - 1, at(1))).isFalse();
  }

  @Test
  void onlyTheRecipientCanMarkRead() {
    long id = store.append(alice, bob, "hi", "c1", at(0)).message().msgId();

    assertThat(store.markRead(id, alice, at(1))).isFalse();
    assertThat(store.markRead(id, carol, at(1))).isFalse();
    assertThat(store.find(id).orElseThrow().read()).isFalse();

    assertThat(store.markRead(id, bob, at(2))).isTrue();
    assertThat(store.markRead(id, bob, at(3))).isFalse();
    StoredMessage read = store.find(id).orElseThrow();
    assertThat(read.readAt()).contains(millis(at(2)));
    assertThat(read.deliveredAt()).as("read implies delivered").contains(millis(at(2)));
    assertThat(store.undelivered(bob, 10)).isEmpty();
  }

  @Test
  void markReadKeepsAnEarlierDeliveryTime() {
    long id = store.append(alice, bob, "hi", "c1", at(0)).message().msgId();
    store.markDelivered(id, at(1));

    assertThat(store.markRead(id, bob, at(5))).isTrue();
    StoredMessage read = store.find(id).orElseThrow();
    assertThat(read.deliveredAt()).contains(millis(at(1)));
    assertThat(read.readAt()).contains(millis(at(5)));
  }

  @Test
  void findOfAnUnknownIdIsEmpty() {
    assertThat(store.find(-1)).isEmpty();
  }

  @Test
  void conversationPagesNewestFirstWithBefore() {
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      String from = i % 2 == 0 ? alice : bob;
      String to = i % 2 == 0 ? bob : alice;
      ids.add(store.append(from, to, "m" + i, "c" + i, at(i)).message().msgId());
    }

    List<StoredMessage> page1 = store.conversation(alice, bob, OptionalLong.empty(), 3);
    assertThat(page1).extracting(StoredMessage::text).containsExactly("m6", "m5", "m4");
    List<StoredMessage> page2 =
        store.conversation(bob, alice, OptionalLong.of(page1.get(2).msgId()), 3);
    assertThat(page2).extracting(StoredMessage::text).containsExactly("m3", "m2", "m1");
    List<StoredMessage> page3 =
        store.conversation(alice, bob, OptionalLong.of(page2.get(2).msgId()), 3);
    assertThat(page3).extracting(StoredMessage::text).containsExactly("m0");
    assertThat(store.conversation(alice, bob, OptionalLong.of(ids.get(0)), 3)).isEmpty();
  }

  @Test
  void conversationNeverShowsAThirdUsersMessages() {
    store.append(alice, bob, "a to b", "c1", at(0));
    store.append(carol, bob, "c to b", "c2", at(1));
    store.append(alice, carol, "a to c", "c3", at(2));
    store.append(bob, carol, "b to c", "c4", at(3));
    store.append(bob, alice, "b to a", "c5", at(4));

    assertThat(store.conversation(alice, bob, OptionalLong.empty(), 50))
        .extracting(StoredMessage::text)
        .containsExactly("b to a", "a to b");
    assertThat(store.conversation(carol, alice, OptionalLong.empty(), 50))
        .extracting(StoredMessage::text)
        .containsExactly("a to c");
  }

  @Test
  void correspondentsAreOrderedByTheMostRecentMessageEitherWay() {
    String dave = unique("dave");
    store.append(alice, bob, "1", "c1", at(0));
    store.append(carol, alice, "2", "c2", at(1));
    store.append(alice, dave, "3", "c3", at(2));
    store.append(bob, alice, "4", "c4", at(3));
    store.append(bob, carol, "not alice's", "c5", at(4));

    assertThat(store.correspondents(alice, 10)).containsExactly(bob, dave, carol);
    assertThat(store.correspondents(alice, 2)).containsExactly(bob, dave);
    assertThat(store.correspondents(unique("nobody"), 10)).isEmpty();
  }

  @Test
  void unicodeTextRoundTripsUnchanged() {
    StringBuilder text = new StringBuilder();
    while (text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 4096) {
      text.append("Grüße 👋🏽 from Zürich — 日本語 ✓ 𝄞 ");
    }
    long id = store.append(alice, bob, text.toString(), "☃-1", at(0)).message().msgId();

    StoredMessage stored = store.find(id).orElseThrow();
    assertThat(stored.text()).isEqualTo(text.toString());
    assertThat(stored.clientMsgId()).isEqualTo("☃-1");
    assertThat(store.append(alice, bob, "again", "☃-1", at(1)).created()).isFalse();
  }

  @Test
  void badArgumentsAreRefused() {
    assertThatThrownBy(() -> store.undelivered(bob, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.append(alice, bob, "x", null, at(0)))
        .isInstanceOf(NullPointerException.class);
  }

  private long rowsFrom(String sender) throws SQLException {
    try (Connection connection = database().dataSource().getConnection();
        PreparedStatement count =
            connection.prepareStatement("SELECT COUNT(*) FROM messages WHERE sender = ?")) {
      count.setString(1, sender);
      try (ResultSet rows = count.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }
}
