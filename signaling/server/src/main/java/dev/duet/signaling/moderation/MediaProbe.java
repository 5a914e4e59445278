package dev.duet.signaling.moderation;

import java.nio.file.Path;

/** Looks inside a media file: its duration and codecs, or why it cannot be played. */
public interface MediaProbe {

  /**
   * Probes a file that exists. Never throws for a bad file: that is a report with a problem.
   *
   * @throws ModerationException only when the probe itself cannot run
   */
  ProbeReport probe(Path file);
}
