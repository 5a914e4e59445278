package dev.duet.media.engine.element;

import dev.duet.media.engine.gst.Natives;
import org.freedesktop.gstreamer.Element;
import org.freedesktop.gstreamer.ElementFactory;
import org.freedesktop.gstreamer.Pad;

/**
 * An {@code errorignore} that keeps a failing branch from reaching back to its source. A tee stops
 * every branch when one of them returns an error, and a queue whose downstream failed stops its
 * thread and answers that failure to every later push; so one sink whose payloader refused caps, or
 * one recording that could not write, would stop the source's whole media (its other sinks, its
 * recordings, the socket reader itself). The guard answers OK instead and, after any return other
 * than OK, drops the branch's buffers until it is re-armed ({@link #rearm}).
 *
 * <p>GStreamer 1.22's errorignore converts ERROR, NOT_NEGOTIATED, NOT_LINKED and EOS only:
 * NOT_SUPPORTED, FLUSHING and custom errors still go back to the source. None of Duet's branches
 * returns those while it runs.
 */
final class FlowGuard {
  private static final int OK = 0; // GST_FLOW_OK
  private static final int FLUSHING = -2; // GST_FLOW_FLUSHING

  private FlowGuard() {}

  /** A new guard element (not yet in a bin). */
  static Element create() {
    Element guard = ElementFactory.make("errorignore", null);
    guard.set("ignore-error", true);
    guard.set("ignore-notnegotiated", true);
    guard.set("ignore-notlinked", true);
    guard.set("ignore-eos", true);
    Natives.GstLib.INSTANCE.gst_util_set_object_arg(
        org.freedesktop.gstreamer.glib.Natives.getRawPointer(guard), "convert-to", "ok");
    return guard;
  }

  /**
   * Whether a guard whose last push returned {@code flow} has stopped pushing: errorignore 1.22
   * latches on anything but OK. FLUSHING is left out: the guard is not running yet (or any more),
   * or a flush is passing (its end re-arms the guard); a FLUSHING answer from downstream is not
   * converted and stops the source's branch anyway, which a re-arm cannot mend.
   */
  static boolean latched(int flow) {
    return flow != OK && flow != FLUSHING;
  }

  /** What the guard's last push out of {@code out} (its src pad) returned (a GstFlowReturn). */
  static int lastFlow(Pad out) {
    return Natives.GstLib.INSTANCE.gst_pad_get_last_flow_return(
        org.freedesktop.gstreamer.glib.Natives.getRawPointer(out));
  }

  /** Lets the guard whose sink pad is {@code in} push again; a new refusal latches it again. */
  static void rearm(Pad in) {
    Natives.GstLib.INSTANCE.gst_pad_mark_reconfigure(
        org.freedesktop.gstreamer.glib.Natives.getRawPointer(in));
  }

  /**
   * Whether the last {@link #rearm} of the guard whose sink pad is {@code in} is still unused (no
   * buffer has reached the guard since): its last flow is then the old one.
   */
  static boolean rearmPending(Pad in) {
    return Natives.GstLib.INSTANCE.gst_pad_needs_reconfigure(
        org.freedesktop.gstreamer.glib.Natives.getRawPointer(in));
  }
}
