package dev.duet.media;

/**
 * What the relay reports about one call. Called from the media client's threads, in no particular
 * order across parties; implementations hand the work to their own threads.
 */
public interface MediaListener {

  /** The relay found a candidate for {@code party}'s connection (trickle it to that party). */
  void candidate(String party, RelayCandidate candidate);

  /** Media from {@code party} reaches the relay. */
  default void flowing(String party) {}

  /** The relay cannot carry the call any more (media server lost or restarted). */
  void failed(String reason);
}
