package dev.duet.media.engine.element;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.duet.media.engine.gst.Probes;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A buffer probe that lets a second of frames through, refuses the next one with NOT_NEGOTIATED
 * (the pad's push returns what the probe sets, as if the element downstream had refused it), then
 * counts down once a frame 5 s later passes. Per-frame Java is fine in a test.
 */
public final class RefuseOneFrame implements Probes.Callback {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final int HANDLED = 4; // GST_PAD_PROBE_HANDLED
  private static final int NOT_NEGOTIATED = -4; // GST_FLOW_NOT_NEGOTIATED
  private static final long INFO_FLOW_RET = 40; // GstPadProbeInfo.ABI.abi.flow_ret (64-bit)

  public final CountDownLatch refused = new CountDownLatch(1);
  public final CountDownLatch fiveSecondsLater = new CountDownLatch(1);
  public volatile long refusedPts = -1;
  public final AtomicInteger frames = new AtomicInteger();
  private long firstPts = -1; // streaming thread only

  @Override
  public int invoke(Pointer pad, Pointer info, Pointer data) {
    Pointer buffer = Probes.data(info);
    long pts = Probes.pts(buffer);
    frames.incrementAndGet();
    if (firstPts < 0) {
      firstPts = pts;
    }
    if (refusedPts < 0 && pts - firstPts >= SECOND) {
      refusedPts = pts;
      info.setInt(INFO_FLOW_RET, NOT_NEGOTIATED);
      Gst.INSTANCE.gst_mini_object_unref(buffer); // HANDLED: the buffer is the probe's
      refused.countDown();
      return HANDLED;
    }
    if (refusedPts >= 0 && pts - refusedPts >= 5 * SECOND) {
      fiveSecondsLater.countDown();
      return Probes.REMOVE;
    }
    return Probes.OK;
  }

  /** The GStreamer call only this probe needs. */
  private interface Gst extends Library {
    Gst INSTANCE = Native.load("gstreamer-1.0", Gst.class);

    void gst_mini_object_unref(Pointer object);
  }
}
