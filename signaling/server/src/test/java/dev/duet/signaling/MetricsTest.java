package dev.duet.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MetricsTest {

  @Test
  void messageDelaysFillACumulativeHistogramInSeconds() {
    Metrics metrics = new Metrics();
    metrics.messageDelay(TimeUnit.MICROSECONDS.toNanos(500)); // 0.0005 s: the first bucket
    metrics.messageDelay(TimeUnit.MILLISECONDS.toNanos(1)); // on a bound: that bucket
    metrics.messageDelay(TimeUnit.SECONDS.toNanos(3)); // 2.5 < 3 <= 10
    metrics.messageDelay(TimeUnit.SECONDS.toNanos(100)); // past the last bound
    String page = metrics.render(Map.of(), Map.of(), 0);

    assertThat(page)
        .contains("# TYPE duet_message_delay_seconds histogram\n")
        .contains("duet_message_delay_seconds_bucket{le=\"0.001\"} 2\n")
        .contains("duet_message_delay_seconds_bucket{le=\"0.005\"} 2\n")
        .contains("duet_message_delay_seconds_bucket{le=\"2.5\"} 2\n")
        .contains("duet_message_delay_seconds_bucket{le=\"10.0\"} 3\n")
        .contains("duet_message_delay_seconds_bucket{le=\"60.0\"} 3\n")
        .contains("duet_message_delay_seconds_bucket{le=\"+Inf\"} 4\n")
        .contains("duet_message_delay_seconds_sum 103.0015\n")
        .contains("duet_message_delay_seconds_count 4\n");
  }
}
