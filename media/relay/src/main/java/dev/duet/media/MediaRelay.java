package dev.duet.media;

import java.util.List;

/** Routes calls' media through a media server. */
public interface MediaRelay extends AutoCloseable {

  /**
   * Sets up the media of a call between {@code parties} (user ids), recording each party when
   * {@code record}. Blocks on the media server.
   *
   * @throws MediaException when the media server cannot be reached or refuses
   */
  CallMedia open(String callId, List<String> parties, boolean record, MediaListener listener);

  @Override
  void close();
}
