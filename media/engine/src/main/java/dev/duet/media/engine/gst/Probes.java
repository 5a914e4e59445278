package dev.duet.media.engine.gst;

import com.sun.jna.CallbackThreadInitializer;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.freedesktop.gstreamer.Pad;

/**
 * Pad probes installed with plain JNA. gst1-java-core ties a probe to the life of the Java {@link
 * Pad} wrapper it was added through, and wraps every buffer in a cached Java object; these probes
 * live as long as the caller keeps the callback, and read buffers in place. Offsets are those of
 * GStreamer 1.x structs on 64-bit Linux.
 */
public final class Probes {
  /** GstPadProbeType bits. */
  public static final int IDLE = 1;

  public static final int BUFFER = 1 << 4;

  public static final int BUFFER_LIST = 1 << 5;

  public static final int EVENT_DOWNSTREAM = 1 << 6;

  public static final int EVENT_UPSTREAM = 1 << 7;

  /** Blocks buffers and downstream events, flushes aside (GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM). */
  public static final int BLOCK_DOWNSTREAM = (1 << 1) | BUFFER | BUFFER_LIST | EVENT_DOWNSTREAM;

  /** GstPadProbeReturn values. */
  public static final int DROP = 0;

  public static final int OK = 1;

  public static final int REMOVE = 2;

  private static final int GAP = 1 << 11; // GST_BUFFER_FLAG_GAP
  private static final int DROPPABLE = 1 << 12; // GST_BUFFER_FLAG_DROPPABLE
  private static final int DELTA_UNIT = 1 << 13; // GST_BUFFER_FLAG_DELTA_UNIT
  private static final long INFO_DATA = 16; // GstPadProbeInfo.data
  private static final long MINI_OBJECT_FLAGS = 16; // GstMiniObject.flags
  private static final long BUFFER_PTS = 72; // GstBuffer.pts
  private static final long EVENT_TYPE = 64; // GstEvent.type

  /** GST_EVENT_EOS: number 110, flags downstream | serialized | sticky. */
  static final int EOS_TYPE = (110 << 8) | 2 | 4 | 8;

  private Probes() {}

  /** {@code GstPadProbeReturn (*)(GstPad *, GstPadProbeInfo *, gpointer)}. */
  public interface Callback extends com.sun.jna.Callback {
    int invoke(Pointer pad, Pointer info, Pointer data);
  }

  /**
   * Streaming threads stay attached to the JVM after a probe returns. JNA's default detaches a
   * native thread after every callback, and attaching again creates a new {@code Thread} object:
   * for a per-buffer probe that cost more than the media work itself.
   */
  private static final CallbackThreadInitializer STAY_ATTACHED =
      new CallbackThreadInitializer(true, false, "gst-streaming");

  /**
   * Adds a probe; the caller must keep {@code callback} strongly referenced while the pad lives.
   */
  public static long add(Pad pad, int mask, Callback callback) {
    Native.setCallbackThreadInitializer(callback, STAY_ATTACHED);
    return Natives.GstLib.INSTANCE.gst_pad_add_probe(
        org.freedesktop.gstreamer.glib.Natives.getRawPointer(pad), mask, callback, null, null);
  }

  /** The buffer or event a probe is called for. */
  public static Pointer data(Pointer info) {
    return info.getPointer(INFO_DATA);
  }

  public static boolean isDeltaUnit(Pointer buffer) {
    return (buffer.getInt(MINI_OBJECT_FLAGS) & DELTA_UNIT) != 0;
  }

  /** Presentation timestamp in ns; -1 when none. */
  public static long pts(Pointer buffer) {
    return buffer.getLong(BUFFER_PTS);
  }

  /**
   * A new empty buffer at {@code pts} flagged GAP, DROPPABLE and DELTA_UNIT: "nothing of this
   * stream until then". The caller owns it.
   */
  public static Pointer newGapBuffer(long pts) {
    Pointer buffer = Natives.GstLib.INSTANCE.gst_buffer_new();
    buffer.setLong(BUFFER_PTS, pts);
    buffer.setInt(
        MINI_OBJECT_FLAGS, buffer.getInt(MINI_OBJECT_FLAGS) | GAP | DROPPABLE | DELTA_UNIT);
    return buffer;
  }

  public static boolean isEos(Pointer event) {
    return event.getInt(EVENT_TYPE) == EOS_TYPE;
  }

  /** Removes a probe added with {@link #add}. */
  public static void remove(Pad pad, long id) {
    Natives.GstLib.INSTANCE.gst_pad_remove_probe(
        org.freedesktop.gstreamer.glib.Natives.getRawPointer(pad), id);
  }

  public static boolean isForceKeyUnit(Pointer event) {
    return Natives.GstVideoLib.INSTANCE.gst_video_event_is_force_key_unit(event);
  }
}
