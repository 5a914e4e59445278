package dev.duet.signaling.moderation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ByteRangeTest {
  static ByteRange.Ask ask(String header, long size) {
    return ByteRange.parse(Optional.ofNullable(header), size);
  }

  static ByteRange.Ask part(long first, long last) {
    return new ByteRange.Part(new ByteRange(first, last));
  }

  @Test
  void oneRangeInItsThreeForms() {
    assertThat(ask("bytes=0-99", 1000)).isEqualTo(part(0, 99));
    assertThat(ask("bytes=500-", 1000)).isEqualTo(part(500, 999));
    assertThat(ask("bytes=-100", 1000)).isEqualTo(part(900, 999));
    assertThat(ask("bytes=-5000", 1000)).isEqualTo(part(0, 999));
    assertThat(ask("bytes=990-5000", 1000)).isEqualTo(part(990, 999));
    assertThat(ask("Bytes = 1-1", 1000)).isEqualTo(new ByteRange.Whole()); // space in unit
    assertThat(ask("bytes= 1-1", 1000)).isEqualTo(part(1, 1));
  }

  @Test
  void rangesWithNoByteOfTheFileAreUnsatisfiable() {
    assertThat(ask("bytes=1000-", 1000)).isEqualTo(new ByteRange.Unsatisfiable());
    assertThat(ask("bytes=1000-2000", 1000)).isEqualTo(new ByteRange.Unsatisfiable());
    assertThat(ask("bytes=-0", 1000)).isEqualTo(new ByteRange.Unsatisfiable());
    assertThat(ask("bytes=0-", 0)).isEqualTo(new ByteRange.Unsatisfiable());
  }

  @Test
  void whatThisServerIgnoresGivesTheWholeFile() {
    for (String h :
        new String[] {
          null,
          "",
          "items=0-1",
          "bytes=0-1,3-4",
          "bytes=5-1",
          "bytes=a-b",
          "bytes=-",
          "bytes=1",
          "bytes=99999999999999999999-"
        }) {
      assertThat(ask(h, 1000)).as(String.valueOf(h)).isEqualTo(new ByteRange.Whole());
    }
  }

  @Test
  void contentRangeAndLength() {
    ByteRange r = new ByteRange(10, 19);
    assertThat(r.length()).isEqualTo(10);
    assertThat(r.contentRange(100)).isEqualTo("bytes 10-19/100");
  }
}
