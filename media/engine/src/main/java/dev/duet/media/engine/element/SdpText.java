package dev.duet.media.engine.element;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The little the engine reads from an SDP itself: per m-line its kind, mid, direction and the
 * payload type of each codec the engine can forward.
 */
record SdpText(List<SdpText.Media> media) {

  /**
   * One m-line.
   *
   * @param kind "audio", "video", "application"
   * @param mid its a=mid, or empty
   * @param direction sendrecv, sendonly, recvonly or inactive
   * @param codecs (codec, payload) the engine supports, in the m-line's preference order
   * @param rejected port 0
   */
  record Media(
      String kind, Optional<String> mid, String direction, List<Offered> codecs, boolean rejected) {
    Optional<Offered> preferred() {
      for (Codec c : Codec.values()) {
        for (Offered o : codecs) {
          if (o.codec() == c) {
            return Optional.of(o);
          }
        }
      }
      return Optional.empty();
    }
  }

  /** A codec at a payload type. */
  record Offered(Codec codec, int payload) {}

  static SdpText parse(String sdp) {
    List<Media> out = new ArrayList<>();
    String kind = null;
    Optional<String> mid = Optional.empty();
    String direction = "sendrecv";
    List<Offered> codecs = new ArrayList<>();
    List<Integer> h264WithoutMode1 = new ArrayList<>();
    boolean rejected = false;
    for (String raw : sdp.split("\r?\n")) {
      String line = raw.strip();
      if (line.startsWith("m=")) {
        if (kind != null) {
          codecs.removeIf(o -> h264WithoutMode1.contains(o.payload()));
          out.add(new Media(kind, mid, direction, List.copyOf(codecs), rejected));
        }
        String[] parts = line.substring(2).split(" ");
        kind = parts[0];
        rejected = parts.length > 1 && parts[1].equals("0");
        mid = Optional.empty();
        direction = "sendrecv";
        codecs = new ArrayList<>();
        h264WithoutMode1.clear();
      } else if (kind != null && line.equals("a=bundle-only")) {
        rejected = false; // port 0 + bundle-only: carried on the bundle transport
      } else if (kind != null && line.startsWith("a=mid:")) {
        mid = Optional.of(line.substring(6));
      } else if (kind != null
          && (line.equals("a=sendrecv")
              || line.equals("a=sendonly")
              || line.equals("a=recvonly")
              || line.equals("a=inactive"))) {
        direction = line.substring(2);
      } else if (kind != null && line.startsWith("a=rtpmap:")) {
        String[] parts = line.substring(9).split("[ /]");
        if (parts.length >= 2) {
          int pt = Integer.parseInt(parts[0]);
          Optional<Codec> c = Codec.byEncodingName(parts[1]);
          if (c.isPresent() && c.get().kind.sdpName().equals(kind)) {
            codecs.add(new Offered(c.get(), pt));
          }
        }
      } else if (kind != null && line.startsWith("a=fmtp:")) {
        String[] parts = line.substring(7).split(" ", 2);
        int pt = Integer.parseInt(parts[0]);
        boolean isH264 =
            codecs.stream().anyMatch(o -> o.payload() == pt && o.codec() == Codec.H264);
        if (isH264 && (parts.length < 2 || !parts[1].contains("packetization-mode=1"))) {
          h264WithoutMode1.add(pt);
        }
      }
    }
    if (kind != null) {
      codecs.removeIf(o -> h264WithoutMode1.contains(o.payload()));
      out.add(new Media(kind, mid, direction, List.copyOf(codecs), rejected));
    }
    return new SdpText(List.copyOf(out));
  }

  Optional<Media> first(MediaKind kind) {
    return media.stream().filter(m -> m.kind().equals(kind.sdpName()) && !m.rejected()).findFirst();
  }

  Optional<String> midAt(int index) {
    return index >= 0 && index < media.size() ? media.get(index).mid() : Optional.empty();
  }
}
