package dev.duet.media.engine.element;

import java.util.Optional;

/**
 * The codecs the engine forwards without transcoding, with the GStreamer elements that (de)payload
 * them. Preference order within a kind is declaration order.
 */
enum Codec {
  VP8(MediaKind.VIDEO, "VP8", 90000, "rtpvp8depay", "rtpvp8pay", 96),
  H264(MediaKind.VIDEO, "H264", 90000, "rtph264depay", "rtph264pay", 102),
  OPUS(MediaKind.AUDIO, "OPUS", 48000, "rtpopusdepay", "rtpopuspay", 111);

  final MediaKind kind;
  final String encodingName;
  final int clockRate;
  final String depayloader;
  final String payloader;
  final int defaultPayload;

  Codec(
      MediaKind kind,
      String encodingName,
      int clockRate,
      String depayloader,
      String payloader,
      int defaultPayload) {
    this.kind = kind;
    this.encodingName = encodingName;
    this.clockRate = clockRate;
    this.depayloader = depayloader;
    this.payloader = payloader;
    this.defaultPayload = defaultPayload;
  }

  static Optional<Codec> byEncodingName(String name) {
    for (Codec c : values()) {
      if (c.encodingName.equalsIgnoreCase(name)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  /** RTP caps for a webrtcbin sink pad: with the feedback that makes browsers send PLI/FIR. */
  String rtpCaps(int payload) {
    StringBuilder b =
        new StringBuilder("application/x-rtp,media=")
            .append(kind.sdpName())
            .append(",encoding-name=")
            .append(encodingName)
            .append(",payload=")
            .append(payload)
            .append(",clock-rate=")
            .append(clockRate);
    if (kind == MediaKind.VIDEO) {
      b.append(",rtcp-fb-nack-pli=(boolean)true,rtcp-fb-ccm-fir=(boolean)true")
          .append(",rtcp-fb-nack=(boolean)true");
    }
    if (this == H264) {
      b.append(",packetization-mode=(string)1");
    }
    if (this == OPUS) {
      b.append(",encoding-params=(string)2");
    }
    return b.toString();
  }
}
