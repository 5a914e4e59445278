package dev.duet.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {
  private final ExecutorService pool = Executors.newFixedThreadPool(4);

  @AfterEach
  void stopPool() throws InterruptedException {
    pool.shutdownNow();
    assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void runsOneCallsTasksInOrderOneAtATime() throws Exception {
    SerialExecutor call = new SerialExecutor(pool);
    List<Integer> order = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(200);
    int[] running = {0};
    boolean[] overlapped = {false};
    for (int i = 0; i < 200; i++) {
      int n = i;
      call.execute(
          () -> {
            synchronized (running) {
              overlapped[0] |= ++running[0] > 1;
            }
            order.add(n);
            synchronized (running) {
              running[0]--;
            }
            done.countDown();
          });
    }
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(order).hasSize(200).isSorted();
    assertThat(overlapped[0]).isFalse();
  }

  @Test
  void aBlockedCallDoesNotHoldUpAnother() throws Exception {
    SerialExecutor slow = new SerialExecutor(pool);
    SerialExecutor other = new SerialExecutor(pool);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch otherRan = new CountDownLatch(1);
    slow.execute(
        () -> {
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    other.execute(otherRan::countDown);
    assertThat(otherRan.await(5, TimeUnit.SECONDS)).as("other call's task ran").isTrue();
    release.countDown();
  }

  @Test
  void anErrorInATaskDoesNotStrandTheOnesAfterIt() throws Exception {
    SerialExecutor call = new SerialExecutor(pool);
    CountDownLatch after = new CountDownLatch(2);
    call.execute(
        () -> {
          throw new AssertionError("a task that throws an Error");
        });
    call.execute(after::countDown);
    call.execute(after::countDown);
    assertThat(after.await(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aFailingTaskDoesNotStopTheOnesAfterIt() throws Exception {
    SerialExecutor call = new SerialExecutor(pool);
    CountDownLatch after = new CountDownLatch(1);
    call.execute(
        () -> {
          throw new IllegalStateException("media server said no");
        });
    call.execute(after::countDown);
    assertThat(after.await(5, TimeUnit.SECONDS)).isTrue();
  }
}
