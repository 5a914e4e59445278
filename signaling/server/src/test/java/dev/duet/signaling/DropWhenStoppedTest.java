package dev.duet.signaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.common.Threads;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The switchboard's executors once the server stops: work given to them is dropped, not thrown. */
class DropWhenStoppedTest {

  private static ThreadPoolExecutor executor(java.util.concurrent.BlockingQueue<Runnable> queue) {
    return new ThreadPoolExecutor(
        1,
        1,
        0,
        TimeUnit.SECONDS,
        queue,
        Threads.daemon("drop-test"),
        Switchboard::dropWhenStopped);
  }

  @Test
  void aTaskGivenAfterTheStopIsDroppedAndItsFutureCancelled() {
    ThreadPoolExecutor executor = executor(new LinkedBlockingQueue<>());
    executor.shutdown();
    AtomicBoolean ran = new AtomicBoolean();

    executor.execute(() -> ran.set(true)); // no exception into the caller
    Future<String> answer = executor.submit(() -> "never");

    assertThat(ran).isFalse();
    assertThat(answer).isCancelled();
    // A caller waiting on it is answered at once, not after its timeout.
    assertThatThrownBy(() -> answer.get(1, TimeUnit.DAYS))
        .isInstanceOf(CancellationException.class);
  }

  @Test
  void aTimerSetAfterTheStopIsDroppedToo() {
    // The call loop is a scheduler: its timers (token expiry, retries) go through the same handler.
    var loop =
        new java.util.concurrent.ScheduledThreadPoolExecutor(
            1, Threads.daemon("drop-test-loop"), Switchboard::dropWhenStopped);
    loop.shutdown();
    AtomicBoolean ran = new AtomicBoolean();

    Future<?> timer = loop.schedule(() -> ran.set(true), 1, TimeUnit.MILLISECONDS);

    assertThat(timer).isCancelled();
    assertThat(loop.submit(() -> ran.set(true))).isCancelled();
    assertThat(ran).isFalse();
  }

  @Test
  void aRunningExecutorThatRefusesStillSaysSo() throws Exception {
    ThreadPoolExecutor executor = executor(new SynchronousQueue<>());
    try {
      java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
      executor.execute(
          () -> {
            try {
              hold.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      try {
        assertThatThrownBy(() -> executor.execute(() -> {}))
            .isInstanceOf(RejectedExecutionException.class);
      } finally {
        hold.countDown();
      }
    } finally {
      executor.shutdown();
    }
  }
}
