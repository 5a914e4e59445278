package dev.duet.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CallRecordTest {
  private static final Instant T = Instant.parse("2025-03-01T10:00:00Z");

  @Test
  void durationRunsFromAnswerToEnd() {
    CallRecord call =
        CallRecord.invited("c", "a", "b", T, false)
            .withAnswered(T.plusSeconds(5))
            .withEnded(T.plusSeconds(65), "hangup");

    assertThat(call.duration()).isEqualTo(Duration.ofMinutes(1));
    assertThat(call.ended()).isTrue();
  }

  @Test
  void aCallNeverAnsweredOrNotEndedLastsZero() {
    CallRecord invited = CallRecord.invited("c", "a", "b", T, false);

    assertThat(invited.duration()).isZero();
    assertThat(invited.withEnded(T.plusSeconds(30), "timeout").duration()).isZero();
    assertThat(invited.withAnswered(T.plusSeconds(1)).duration()).isZero();
  }

  @Test
  void anInvitedCallIsPeerToPeerWithoutRecordings() {
    CallRecord invited = CallRecord.invited("c", "a", "b", T, true);

    assertThat(invited.mediaPath()).isEqualTo(CallRecord.P2P);
    assertThat(invited.pathSwitchedAt()).isEmpty();
    assertThat(invited.recordingIds()).isEmpty();
    assertThat(invited.recorded()).isTrue();
  }

  @Test
  void theRecordCopiesItsRecordingIds() {
    List<String> ids = new ArrayList<>(List.of("r1"));
    CallRecord call = CallRecord.invited("c", "a", "b", T, true).withRecording("r0");
    CallRecord copy =
        new CallRecord(
            call.callId(),
            call.caller(),
            call.callee(),
            call.createdAt(),
            call.answeredAt(),
            call.endedAt(),
            call.endReason(),
            call.mediaPath(),
            call.pathSwitchedAt(),
            call.recorded(),
            ids);
    ids.add("r2");

    assertThat(copy.recordingIds()).containsExactly("r1");
    assertThat(call.withRecording("r9").recordingIds()).containsExactly("r0", "r9");
  }
}
