package dev.duet.media.engine.element;

import dev.duet.media.engine.gst.Probes;
import java.util.concurrent.atomic.AtomicBoolean;
import org.freedesktop.gstreamer.Pad;

/**
 * Drops the delta frames that reach a pad until a keyframe passes, running {@code ask} (ask the
 * source for a keyframe; sources throttle) for each one dropped. The probe is on the pad only while
 * waiting: it removes itself with the keyframe, so nothing runs per frame otherwise. Native code
 * holds the probe's callback: keep this object as long as the pad can carry buffers.
 */
final class KeyframeWait {
  private final Pad pad;
  private final AtomicBoolean waiting = new AtomicBoolean();
  private final Probes.Callback probe;

  KeyframeWait(Pad pad, Runnable ask) {
    this.pad = pad;
    this.probe =
        (p, info, data) -> {
          if (Probes.isDeltaUnit(Probes.data(info))) {
            ask.run();
            return Probes.DROP;
          }
          waiting.set(false);
          return Probes.REMOVE;
        };
  }

  /** Starts waiting, from any thread; false (and nothing done) if it already waits. */
  boolean start() {
    if (!waiting.compareAndSet(false, true)) {
      return false;
    }
    Probes.add(pad, Probes.BUFFER, probe);
    return true;
  }
}
