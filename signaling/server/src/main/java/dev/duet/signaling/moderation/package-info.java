/**
 * The moderators' side of recordings: the catalogue of finalised recording files ({@link
 * dev.duet.signaling.moderation.RecordingCatalog}), the moderators' actions on them, each one
 * audited ({@link dev.duet.signaling.moderation.Moderation}), the REST API with range requests
 * ({@link dev.duet.signaling.moderation.RecordingsHandler}) and retention ({@link
 * dev.duet.signaling.moderation.RetentionSweeper}).
 *
 * <p>Threading: every class here is thread-safe. The handler runs on Jetty's threads and does its
 * database work inline (short queries); the sweeper runs on its own single scheduler thread. No
 * lock is held while doing I/O.
 */
package dev.duet.signaling.moderation;
