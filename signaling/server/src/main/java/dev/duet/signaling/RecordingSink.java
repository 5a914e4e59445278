package dev.duet.signaling;

import dev.duet.media.RecordingFile;
import dev.duet.signaling.call.Call;
import java.util.List;

/** Where finished recordings go: checked and catalogued. Called on the store thread. */
public interface RecordingSink {

  /** The recordings the relay made of an ended call. */
  void recorded(Call call, List<RecordingFile> files);

  /** A sink that keeps nothing (no catalogue configured). */
  static RecordingSink none() {
    return (call, files) -> {};
  }
}
