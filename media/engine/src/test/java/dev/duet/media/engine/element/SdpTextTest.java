package dev.duet.media.engine.element;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SdpTextTest {
  private static final String CHROME_OFFER =
      String.join(
          "\r\n",
          "v=0",
          "o=- 1 2 IN IP4 127.0.0.1",
          "s=-",
          "t=0 0",
          "a=group:BUNDLE 0 1",
          "m=audio 9 UDP/TLS/RTP/SAVPF 111 63",
          "a=mid:0",
          "a=sendrecv",
          "a=rtpmap:111 opus/48000/2",
          "a=rtpmap:63 red/48000/2",
          "m=video 9 UDP/TLS/RTP/SAVPF 102 96 97",
          "a=mid:1",
          "a=recvonly",
          "a=rtpmap:102 H264/90000",
          "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f",
          "a=rtpmap:96 VP8/90000",
          "a=rtpmap:97 rtx/90000",
          "m=application 0 UDP/DTLS/SCTP webrtc-datachannel",
          "a=mid:2",
          "");

  @Test
  void picksTheForwardableCodecsAndTheirPayloads() {
    SdpText sdp = SdpText.parse(CHROME_OFFER);
    assertThat(sdp.media()).hasSize(3);
    assertThat(sdp.first(MediaKind.AUDIO).orElseThrow().preferred())
        .contains(new SdpText.Offered(Codec.OPUS, 111));
    SdpText.Media video = sdp.first(MediaKind.VIDEO).orElseThrow();
    assertThat(video.direction()).isEqualTo("recvonly");
    assertThat(video.preferred()).contains(new SdpText.Offered(Codec.VP8, 96));
    assertThat(sdp.midAt(1)).contains("1");
    assertThat(sdp.media().get(2).rejected()).isTrue();
  }

  @Test
  void h264WithoutPacketizationMode1IsNotForwardable() {
    String h264Only = CHROME_OFFER.replace("a=rtpmap:96 VP8/90000\r\n", "");
    assertThat(SdpText.parse(h264Only).first(MediaKind.VIDEO).orElseThrow().preferred()).isEmpty();
    String mode1 = h264Only.replace("packetization-mode=0", "packetization-mode=1");
    assertThat(SdpText.parse(mode1).first(MediaKind.VIDEO).orElseThrow().preferred())
        .contains(new SdpText.Offered(Codec.H264, 102));
  }

  @Test
  void bundleOnlySectionsWithPortZeroAreNotRejected() {
    String offer =
        "v=0\r\nm=audio 9 RTP/SAVPF 111\r\na=rtpmap:111 OPUS/48000/2\r\n"
            + "m=video 0 RTP/SAVPF 96\r\na=bundle-only\r\na=rtpmap:96 VP8/90000\r\n";
    assertThat(SdpText.parse(offer).first(MediaKind.VIDEO)).isPresent();
  }
}
