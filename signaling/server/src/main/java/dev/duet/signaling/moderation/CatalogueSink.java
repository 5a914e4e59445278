package dev.duet.signaling.moderation;

import dev.duet.media.RecordingFile;
import dev.duet.signaling.Metrics;
import dev.duet.signaling.RecordingSink;
import dev.duet.signaling.call.Call;
import dev.duet.store.CallStore;
import dev.duet.store.Recording;
import java.time.Instant;
import java.util.List;

/**
 * Catalogues the recordings of an ended call (checked with ffprobe, checksummed, status ok, partial
 * or failed) and adds their ids to the call record.
 */
public final class CatalogueSink implements RecordingSink {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(CatalogueSink.class);

  private final RecordingCatalog catalog;
  private final CallStore calls;
  private final Metrics metrics;

  public CatalogueSink(RecordingCatalog catalog, CallStore calls, Metrics metrics) {
    this.catalog = catalog;
    this.calls = calls;
    this.metrics = metrics;
  }

  @Override
  public void recorded(Call call, List<RecordingFile> files) {
    for (RecordingFile f : files) {
      Instant started = f.startedAt() == null ? call.createdAt() : f.startedAt();
      Recording r;
      try {
        r = catalog.catalogue(call.callId(), f.party(), f.file(), started, f.partial());
      } catch (RuntimeException e) { // the database refused it: the call's other files still go
        LOG.error("could not catalogue {} of call {} ({})", f.file(), call.callId(), f.party(), e);
        continue;
      }
      metrics.recordingCatalogued(r.status().wireName());
      if (!calls.addRecording(call.callId(), r.recordingId())) {
        LOG.warn(
            "recording {} of call {} is catalogued but the call has no record to link it to",
            r.recordingId(),
            call.callId());
      }
    }
  }
}
