package dev.duet.media;

import java.nio.file.Path;
import java.time.Instant;

/**
 * A recording the relay made of one party of a call.
 *
 * @param partial true when the recording was cut short (the media server failed or restarted)
 */
public record RecordingFile(String party, Path file, Instant startedAt, boolean partial) {}
