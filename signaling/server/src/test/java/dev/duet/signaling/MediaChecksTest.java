package dev.duet.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.protocol.Candidate;
import org.junit.jupiter.api.Test;

class MediaChecksTest {
  @Test
  void acceptsSessionDescriptionsWithCrlfOrLf() {
    String browser =
        "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
            + "a=group:BUNDLE 0 1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
            + "a=fmtp:111 minptime=10;useinbandfec=1\r\na=ssrc:1 cname:x\ty\r\n";
    assertThat(MediaChecks.sdpProblem(browser)).isEmpty();
    assertThat(MediaChecks.sdpProblem("v=0\no=- 1 1 IN IP4 0.0.0.0\ns=-\n")).isEmpty();
    assertThat(MediaChecks.sdpProblem("v=0\r\n")).isEmpty();
    assertThat(MediaChecks.sdpProblem("v=0")).isEmpty();
  }

  @Test
  void refusesWhatIsNotASessionDescription() {
    assertThat(MediaChecks.sdpProblem("")).isPresent();
    assertThat(MediaChecks.sdpProblem("v=0 this is not sdp <script>")).isPresent();
    assertThat(MediaChecks.sdpProblem("v=0\r\nhello world\r\n")).isPresent();
    assertThat(MediaChecks.sdpProblem("v=0\r\ns=\u0000\r\n")).isPresent();
    assertThat(MediaChecks.sdpProblem("v=0\r\n\r\ns=-\r\n")).isPresent();
    assertThat(MediaChecks.sdpProblem("o=-\r\nv=0\r\n")).isPresent();
  }

  @Test
  void checksCandidatesShapeOnly() {
    assertThat(MediaChecks.candidateProblem(null)).isEmpty();
    assertThat(
            MediaChecks.candidateProblem(
                new Candidate("candidate:1 1 udp 2122260223 192.0.2.2 50000 typ host", "0", 0)))
        .isEmpty();
    assertThat(MediaChecks.candidateProblem(new Candidate("", "0", 0))).isEmpty();
    assertThat(MediaChecks.candidateProblem(new Candidate("garbage", "0", 0))).isPresent();
    assertThat(MediaChecks.candidateProblem(new Candidate("candidate:1", "0", -7))).isPresent();
    assertThat(
            MediaChecks.candidateProblem(
                new Candidate("candidate:" + "x".repeat(2000), null, null)))
        .isPresent();
    assertThat(MediaChecks.candidateProblem(new Candidate("candidate:1\n2", null, null)))
        .isPresent();
    assertThat(MediaChecks.candidateProblem(new Candidate("candidate:1", "m".repeat(65), 0)))
        .isPresent();
  }
}
