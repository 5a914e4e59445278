package dev.duet.media.engine.gst;

import org.freedesktop.gstreamer.Gst;
import org.freedesktop.gstreamer.Version;

/** Initialises GStreamer once per process; the engine never de-initialises it. */
public final class GstRuntime {
  private static boolean initialised;

  private GstRuntime() {}

  public static synchronized void ensureInitialised() {
    if (!initialised) {
      Gst.init(Version.of(1, 16), "duet-media-engine");
      initialised = true;
    }
  }
}
