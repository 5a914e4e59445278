package dev.duet.media.engine.gst;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The few C functions gst1-java-core does not wrap: pad offsets, force-key-unit and gap buffers,
 * GObject property access on objects it cannot wrap (webrtcbin's ICE agent, transceivers), signal
 * connections with plain C signatures, and libnice local addresses. Nothing else in the engine
 * declares native functions.
 */
public final class Natives {
  private Natives() {}

  /** libgstreamer-1.0. */
  public interface GstLib extends Library {
    GstLib INSTANCE = Native.load("gstreamer-1.0", GstLib.class);

    void gst_pad_set_offset(Pointer pad, long offset);

    boolean gst_pad_send_event(Pointer pad, Pointer event);

    boolean gst_util_set_object_arg(Pointer object, String name, String value);

    void gst_object_unref(Pointer object);

    /** The bin as Graphviz text (GstDebugGraphDetails bits); free it with g_free. */
    Pointer gst_debug_bin_to_dot_data(Pointer bin, int details);

    Pointer gst_mini_object_ref(Pointer miniObject);

    long gst_pad_add_probe(
        Pointer pad, int mask, Callback callback, Pointer userData, Pointer destroyData);

    Pointer gst_pad_get_current_caps(Pointer pad);

    boolean gst_pad_unlink(Pointer src, Pointer sink);

    String gst_caps_to_string(Pointer caps);

    Pointer gst_buffer_peek_memory(Pointer buffer, int index);

    boolean gst_memory_map(Pointer memory, Pointer mapInfo, int flags);

    void gst_memory_unmap(Pointer memory, Pointer mapInfo);

    Pointer gst_promise_new();

    int gst_promise_wait(Pointer promise);

    Pointer gst_promise_get_reply(Pointer promise);

    void gst_promise_unref(Pointer promise);

    boolean gst_structure_get(
        Pointer structure, String field, long type, PointerByReference value, Pointer end);

    boolean gst_structure_has_field(Pointer structure, String field);

    String gst_structure_to_string(Pointer structure);

    Pointer gst_element_class_get_pad_template(Pointer elementClass, String name);

    Pointer gst_element_request_pad(Pointer element, Pointer template, String name, Pointer caps);

    Pointer gst_caps_from_string(String caps);

    void gst_caps_unref(Pointer caps);

    int gst_pad_link(Pointer src, Pointer sink);

    void gst_pad_remove_probe(Pointer pad, long id);

    Pointer gst_event_new_eos();

    Pointer gst_buffer_new();

    boolean gst_pad_has_current_caps(Pointer pad);

    /** Hands {@code buffer} (owned by the callee) to a sink pad, under its stream lock. */
    int gst_pad_chain(Pointer pad, Pointer buffer);

    /** What the pad's last push returned (a GstFlowReturn: 0 OK, -4 NOT_NEGOTIATED, ...). */
    int gst_pad_get_last_flow_return(Pointer pad);

    String gst_flow_get_name(int flow);

    /**
     * Sets the pad's NEED_RECONFIGURE flag, which its element reads with gst_pad_check_reconfigure.
     */
    void gst_pad_mark_reconfigure(Pointer pad);

    /** Whether the pad's NEED_RECONFIGURE flag is set (not yet read by its element). */
    boolean gst_pad_needs_reconfigure(Pointer pad);

    /** The ghost pad's internal pad (a source pad inside the bin); unref it. */
    Pointer gst_proxy_pad_get_internal(Pointer pad);
  }

  /** libgstwebrtc-1.0 and libgstsdp-1.0: session descriptions and promises. */
  public interface WebRtcLib extends Library {
    WebRtcLib INSTANCE = Native.load("gstwebrtc-1.0", WebRtcLib.class);

    long gst_webrtc_session_description_get_type();

    Pointer gst_webrtc_session_description_new(int type, Pointer sdp);

    void gst_webrtc_session_description_free(Pointer description);
  }

  /** libgstsdp-1.0. */
  public interface SdpLib extends Library {
    SdpLib INSTANCE = Native.load("gstsdp-1.0", SdpLib.class);

    int gst_sdp_message_new_from_text(String text, PointerByReference message);

    String gst_sdp_message_as_text(Pointer message);

    void gst_sdp_message_free(Pointer message);
  }

  /** libgstapp-1.0. */
  public interface GstAppLib extends Library {
    GstAppLib INSTANCE = Native.load("gstapp-1.0", GstAppLib.class);

    /** Takes ownership of {@code buffer}; returns a GstFlowReturn. */
    int gst_app_src_push_buffer(Pointer appsrc, Pointer buffer);
  }

  /** libgstvideo-1.0. */
  public interface GstVideoLib extends Library {
    GstVideoLib INSTANCE = Native.load("gstvideo-1.0", GstVideoLib.class);

    Pointer gst_video_event_new_upstream_force_key_unit(
        long runningTime, boolean allHeaders, int count);

    boolean gst_video_event_is_force_key_unit(Pointer event);
  }

  /** libgobject-2.0. */
  public interface GObjectLib extends Library {
    GObjectLib INSTANCE = Native.load("gobject-2.0", GObjectLib.class);

    void g_object_get(Pointer object, String name, PointerByReference value, Pointer end);

    void g_object_get(Pointer object, String name, IntByReference value, Pointer end);

    void g_object_set(Pointer object, String name, Object... valueThenNull);

    void g_object_unref(Pointer object);

    long g_signal_connect_data(
        Pointer instance,
        String detailedSignal,
        Callback handler,
        Pointer data,
        Pointer destroyData,
        int connectFlags);

    void g_signal_handler_disconnect(Pointer instance, long handlerId);

    void g_signal_emit_by_name(Pointer instance, String signal, Object... args);

    void g_free(Pointer memory);
  }

  /** A bin's graph as Graphviz dot text (media types and states of every element and pad). */
  public static String dot(org.freedesktop.gstreamer.Bin bin) {
    int details = 1 | 2 | 4; // GST_DEBUG_GRAPH_SHOW_MEDIA_TYPE | CAPS_DETAILS | NON_DEFAULT_PARAMS
    Pointer text =
        GstLib.INSTANCE.gst_debug_bin_to_dot_data(
            org.freedesktop.gstreamer.glib.Natives.getRawPointer(bin), details);
    if (text == null) {
      return "digraph pipeline {}";
    }
    try {
      return text.getString(0, "UTF-8");
    } finally {
      GObjectLib.INSTANCE.g_free(text);
    }
  }

  /** libnice. */
  public interface NiceLib extends Library {
    NiceLib INSTANCE = Native.load("nice", NiceLib.class);

    Pointer nice_address_new();

    boolean nice_address_set_from_string(Pointer address, String text);

    void nice_address_free(Pointer address);

    boolean nice_agent_add_local_address(Pointer agent, Pointer address);

    /** Returns a newly allocated {@code a=candidate:...} line; free it with g_free. */
    Pointer nice_agent_generate_local_candidate_sdp(Pointer agent, Pointer candidate);
  }

  /**
   * {@code void (*)(NiceAgent *, guint stream, guint component, NiceCandidate *local, NiceCandidate
   * *remote, gpointer data)}: libnice's new-selected-pair-full signal.
   */
  public interface SelectedPairCallback extends Callback {
    void invoke(
        Pointer agent, int streamId, int componentId, Pointer local, Pointer remote, Pointer data);
  }

  /** A libnice candidate as an SDP attribute value ({@code candidate:...}). */
  public static String candidateText(Pointer agent, Pointer candidate) {
    Pointer text = NiceLib.INSTANCE.nice_agent_generate_local_candidate_sdp(agent, candidate);
    if (text == null) {
      return "";
    }
    try {
      String s = text.getString(0);
      return s.startsWith("a=") ? s.substring(2) : s;
    } finally {
      GObjectLib.INSTANCE.g_free(text);
    }
  }

  /** {@code void (*)(GObject *object, GParamSpec *pspec, gpointer data)}: a notify:: handler. */
  public interface NotifyCallback extends Callback {
    void invoke(Pointer object, Pointer paramSpec, Pointer data);
  }

  /** {@code void (*)(GstElement *webrtc, GstWebRTCRTPTransceiver *trans, gpointer data)}. */
  public interface TransceiverCallback extends Callback {
    void invoke(Pointer element, Pointer transceiver, Pointer data);
  }

  /** {@code void (*)(GstElement *queue, gpointer data)}: a queue's overrun signal. */
  public interface OverrunCallback extends Callback {
    void invoke(Pointer queue, Pointer data);
  }

  /** Reads an int- or enum-valued property. */
  public static int intProperty(Pointer object, String name) {
    IntByReference ref = new IntByReference();
    GObjectLib.INSTANCE.g_object_get(object, name, ref, Pointer.NULL);
    return ref.getValue();
  }

  /**
   * Requests a pad from {@code element}'s template {@code templateName} with {@code caps} (which
   * gst1-java-core cannot do); returns the new pad, owned by the caller, or null.
   */
  public static Pointer requestPad(Pointer element, String templateName, String caps) {
    Pointer elementClass = element.getPointer(0);
    Pointer template =
        GstLib.INSTANCE.gst_element_class_get_pad_template(elementClass, templateName);
    if (template == null) {
      return null;
    }
    Pointer c = GstLib.INSTANCE.gst_caps_from_string(caps);
    try {
      return GstLib.INSTANCE.gst_element_request_pad(element, template, null, c);
    } finally {
      GstLib.INSTANCE.gst_caps_unref(c);
    }
  }

  /** Reads an object-valued property; the caller must {@code g_object_unref} the result. */
  public static Pointer objectProperty(Pointer object, String name) {
    PointerByReference ref = new PointerByReference();
    GObjectLib.INSTANCE.g_object_get(object, name, ref, Pointer.NULL);
    return ref.getValue();
  }
}
