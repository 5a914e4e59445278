package dev.duet.media.engine.element;

import dev.duet.media.engine.MediaEngine;
import dev.duet.media.engine.gst.Probes;
import org.freedesktop.gstreamer.Element;

/** For tests outside this package: reaches inside the elements of an in-process engine. */
public final class Inside {
  private Inside() {}

  /**
   * Makes the first element made by {@code factory} that the media element {@code id} owns refuse
   * one frame at its sink pad (see {@link RefuseOneFrame}); keep the probe referenced while the
   * pipeline lives, as native code calls it.
   */
  public static RefuseOneFrame refuseOneFrame(MediaEngine engine, String id, String factory) {
    MediaElement owner = (MediaElement) engine.object(id).orElseThrow();
    Element element =
        owner.pipeline.onGraph(
            () ->
                owner.pipeline.gst().getElements().stream()
                    .filter(e -> factory.equals(e.getFactory().getName()))
                    .filter(owner::owns)
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(id + " owns no " + factory)));
    RefuseOneFrame refuse = new RefuseOneFrame();
    Probes.add(element.getStaticPad("sink"), Probes.BUFFER, refuse);
    return refuse;
  }
}
