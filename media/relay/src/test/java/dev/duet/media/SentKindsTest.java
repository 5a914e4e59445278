package dev.duet.media;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kurento.client.MediaProfileSpecType;

class SentKindsTest {
  private static String sdp(String... media) {
    return "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n" + String.join("", media);
  }

  private static final String AUDIO =
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendrecv\r\n";
  private static final String VIDEO = "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n";

  @Test
  void bothKindsSentRecordBoth() {
    assertThat(SentKinds.profile(sdp(AUDIO, VIDEO))).hasValue(MediaProfileSpecType.WEBM);
  }

  @Test
  void aKindOnlyReceivedOrRejectedIsNotRecorded() {
    assertThat(
            SentKinds.profile(
                sdp(AUDIO, VIDEO.replace("a=mid:1\r\n", "a=mid:1\r\na=recvonly\r\n"))))
        .hasValue(MediaProfileSpecType.WEBM_AUDIO_ONLY);
    assertThat(SentKinds.profile(sdp(AUDIO))).hasValue(MediaProfileSpecType.WEBM_AUDIO_ONLY);
    assertThat(SentKinds.profile(sdp(AUDIO.replace("m=audio 9", "m=audio 0"), VIDEO)))
        .hasValue(MediaProfileSpecType.WEBM_VIDEO_ONLY);
    assertThat(SentKinds.profile(sdp(AUDIO.replace("a=sendrecv", "a=inactive"), VIDEO)))
        .hasValue(MediaProfileSpecType.WEBM_VIDEO_ONLY);
  }

  @Test
  void aBundleOnlyMLineWithPortZeroIsStillSent() {
    // Firefox under max-bundle: the second m-line rides the first one's transport.
    String bundled = VIDEO.replace("m=video 9", "m=video 0") + "a=bundle-only\r\n";
    assertThat(SentKinds.profile(sdp(AUDIO, bundled))).hasValue(MediaProfileSpecType.WEBM);
  }

  @Test
  void aSessionLevelDirectionAppliesToMLinesWithoutTheirOwn() {
    String session = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=recvonly\r\n";
    assertThat(SentKinds.profile(session + AUDIO + VIDEO))
        .hasValue(MediaProfileSpecType.WEBM_AUDIO_ONLY); // audio says sendrecv itself
    assertThat(
            SentKinds.profile(
                sdp(AUDIO, VIDEO.replace("a=mid:1\r\n", "a=mid:1\r\na=recvonly \r\n"))))
        .as("trailing blanks")
        .hasValue(MediaProfileSpecType.WEBM_AUDIO_ONLY);
  }

  @Test
  void nothingSentIsNothingToRecord() {
    assertThat(SentKinds.profile(sdp())).isEmpty();
    assertThat(SentKinds.profile(sdp(AUDIO.replace("a=sendrecv", "a=recvonly")))).isEmpty();
  }
}
