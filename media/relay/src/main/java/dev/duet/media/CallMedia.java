package dev.duet.media;

import java.util.List;

/** One call's media through the relay: one endpoint per party, connected both ways. */
public interface CallMedia {

  /** Answers {@code party}'s SDP offer; blocks on the media server (call off the event loop). */
  String offer(String party, String sdp);

  /** A trickled candidate from {@code party}; buffered until its endpoint can take it. */
  void candidate(String party, RelayCandidate candidate);

  /** Stops recorders (finalising the files) and releases every media resource. Idempotent. */
  List<RecordingFile> close();
}
