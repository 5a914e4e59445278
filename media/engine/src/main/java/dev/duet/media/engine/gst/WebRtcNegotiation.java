package dev.duet.media.engine.gst;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.util.Optional;

/**
 * webrtcbin's promise-based SDP signals, driven through our own GstPromise references (the
 * gst1-java-core wrappers let the Java promise be collected before webrtcbin replies). Every method
 * blocks the calling thread until webrtcbin answers; call them only from request threads.
 */
public final class WebRtcNegotiation {
  /** GstWebRTCSDPType. */
  public static final int OFFER = 1;

  public static final int ANSWER = 3;

  private static final int PROMISE_REPLIED = 2;

  private WebRtcNegotiation() {}

  /**
   * Emits {@code create-offer} or {@code create-answer}, applies the result as local description
   * and returns its text, or an error message.
   */
  public static Result createAndApplyLocal(Pointer webrtc, boolean offer) {
    String field = offer ? "offer" : "answer";
    Pointer promise = Natives.GstLib.INSTANCE.gst_promise_new();
    try {
      Natives.GObjectLib.INSTANCE.g_signal_emit_by_name(
          webrtc, offer ? "create-offer" : "create-answer", Pointer.NULL, promise);
      Optional<String> error = waitFor(promise);
      if (error.isPresent()) {
        return Result.failed(error.get());
      }
      Pointer reply = Natives.GstLib.INSTANCE.gst_promise_get_reply(promise);
      PointerByReference desc = new PointerByReference();
      if (reply == null
          || !Natives.GstLib.INSTANCE.gst_structure_get(
              reply,
              field,
              Natives.WebRtcLib.INSTANCE.gst_webrtc_session_description_get_type(),
              desc,
              Pointer.NULL)
          || desc.getValue() == null) {
        return Result.failed("webrtcbin gave no " + field);
      }
      try {
        Pointer sdp = desc.getValue().getPointer(Native.POINTER_SIZE);
        String text = Natives.SdpLib.INSTANCE.gst_sdp_message_as_text(sdp);
        Pointer setPromise = Natives.GstLib.INSTANCE.gst_promise_new();
        try {
          Natives.GObjectLib.INSTANCE.g_signal_emit_by_name(
              webrtc, "set-local-description", desc.getValue(), setPromise);
          Optional<String> setError = waitFor(setPromise);
          if (setError.isPresent()) {
            return Result.failed(setError.get());
          }
        } finally {
          Natives.GstLib.INSTANCE.gst_promise_unref(setPromise);
        }
        return new Result(Optional.of(text), Optional.empty());
      } finally {
        Natives.WebRtcLib.INSTANCE.gst_webrtc_session_description_free(desc.getValue());
      }
    } finally {
      Natives.GstLib.INSTANCE.gst_promise_unref(promise);
    }
  }

  /** Emits {@code set-remote-description}; returns an error message if webrtcbin refused it. */
  public static Optional<String> setRemote(Pointer webrtc, int type, String sdpText) {
    PointerByReference message = new PointerByReference();
    if (Natives.SdpLib.INSTANCE.gst_sdp_message_new_from_text(sdpText, message) != 0
        || message.getValue() == null) {
      return Optional.of("cannot parse SDP");
    }
    Pointer desc =
        Natives.WebRtcLib.INSTANCE.gst_webrtc_session_description_new(type, message.getValue());
    Pointer promise = Natives.GstLib.INSTANCE.gst_promise_new();
    try {
      Natives.GObjectLib.INSTANCE.g_signal_emit_by_name(
          webrtc, "set-remote-description", desc, promise);
      return waitFor(promise);
    } finally {
      Natives.GstLib.INSTANCE.gst_promise_unref(promise);
      Natives.WebRtcLib.INSTANCE.gst_webrtc_session_description_free(desc);
    }
  }

  private static Optional<String> waitFor(Pointer promise) {
    int result = Natives.GstLib.INSTANCE.gst_promise_wait(promise);
    if (result != PROMISE_REPLIED) {
      return Optional.of("webrtcbin did not reply (" + result + ")");
    }
    Pointer reply = Natives.GstLib.INSTANCE.gst_promise_get_reply(promise);
    if (reply != null && Natives.GstLib.INSTANCE.gst_structure_has_field(reply, "error")) {
      return Optional.of(Natives.GstLib.INSTANCE.gst_structure_to_string(reply));
    }
    return Optional.empty();
  }

  /**
   * The text of a description, or why there is none.
   *
   * @param sdp the SDP text
   * @param error what went wrong
   */
  public record Result(Optional<String> sdp, Optional<String> error) {
    static Result failed(String error) {
      return new Result(Optional.empty(), Optional.of(error));
    }
  }
}
