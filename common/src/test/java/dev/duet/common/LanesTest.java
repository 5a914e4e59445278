package dev.duet.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Lanes on a real thread pool: order within a lane, independence across them. */
class LanesTest {
  private static final int LIMIT = 1000;

  private final ExecutorService pool = Executors.newFixedThreadPool(4);

  @AfterEach
  void stop() throws InterruptedException {
    pool.shutdownNow();
    assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aBlockedPipelineHoldsUpItsOwnRequestsOnly() throws Exception {
    Lanes lanes = new Lanes(pool, LIMIT, "test task");
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch otherDone = new CountDownLatch(1);
    List<String> ran = new CopyOnWriteArrayList<>();
    lanes.submit(
        "A",
        () -> {
          await(release); // a slow request, e.g. a stopAndWait finalising a file
          ran.add("A1");
        });
    lanes.submit("A", () -> ran.add("A2"));
    lanes.submit(
        "B",
        () -> {
          ran.add("B1");
          otherDone.countDown();
        });

    assertThat(otherDone.await(5, TimeUnit.SECONDS)).as("B ran while A was blocked").isTrue();
    assertThat(ran).containsExactly("B1");
    assertThat(lanes.pending())
        .as("A1 running, A2 queued (B1 may still be finishing)")
        .isBetween(2, 3);
    release.countDown();
    awaitIdle(lanes);
    assertThat(ran).containsExactly("B1", "A1", "A2");
  }

  @Test
  void aLaneKeepsSubmissionOrderAndSurvivesAFailingRequest() throws Exception {
    Lanes lanes = new Lanes(pool, LIMIT, "test task");
    List<Integer> ran = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 200; i++) {
      int n = i;
      lanes.submit(
          "P",
          () -> {
            ran.add(n);
            if (n == 50) {
              throw new IllegalStateException("a request that fails");
            }
          });
    }
    awaitIdle(lanes);
    assertThat(ran).hasSize(200).isSorted();
  }

  @Test
  void refusesRequestsBeyondThePendingLimit() throws Exception {
    Lanes lanes = new Lanes(pool, LIMIT, "test task");
    CountDownLatch release = new CountDownLatch(1);
    for (int i = 0; i < LIMIT; i++) {
      assertThat(lanes.submit("P", () -> await(release))).isTrue();
    }
    assertThat(lanes.submit("Q", () -> {})).isFalse();
    release.countDown();
    awaitIdle(lanes);
    assertThat(lanes.submit("Q", () -> {})).as("accepted again once drained").isTrue();
  }

  @Test
  void aLaneRunsOneTaskAtATime() throws Exception {
    Lanes lanes = new Lanes(pool, LIMIT, "test task");
    int[] running = {0};
    boolean[] overlapped = {false};
    for (int i = 0; i < 200; i++) {
      lanes.submit(
          "P",
          () -> {
            synchronized (running) {
              overlapped[0] |= ++running[0] > 1;
            }
            Thread.yield();
            synchronized (running) {
              running[0]--;
            }
          });
    }
    awaitIdle(lanes);
    assertThat(overlapped[0]).isFalse();
  }

  @Test
  void anErrorInATaskDoesNotStrandTheOnesAfterIt() throws Exception {
    Lanes lanes = new Lanes(pool, LIMIT, "test task");
    CountDownLatch after = new CountDownLatch(2);
    lanes.submit(
        "P",
        () -> {
          throw new AssertionError("a task that throws an Error");
        });
    lanes.submit("P", after::countDown);
    lanes.submit("P", after::countDown);
    assertThat(after.await(5, TimeUnit.SECONDS)).isTrue();
    awaitIdle(lanes);
  }

  @Test
  void aTaskSubmittedAfterThePoolStoppedIsDroppedNotStranded() throws Exception {
    Lanes lanes = new Lanes(pool, LIMIT, "test task");
    pool.shutdown();
    assertThat(lanes.submit("P", () -> {})).isTrue();
    assertThat(lanes.pending()).isZero();
    assertThat(lanes.active()).isZero();
  }

  private static void await(CountDownLatch latch) {
    try {
      assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void awaitIdle(Lanes lanes) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while ((lanes.pending() > 0 || lanes.active() > 0) && System.nanoTime() < deadline) {
      Thread.sleep(5); // polling the lanes' counters with a deadline; no event to await
    }
    assertThat(lanes.pending()).isZero();
    assertThat(lanes.active()).isZero();
  }
}
