package dev.duet.media.engine.element;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.sun.jna.Pointer;
import dev.duet.media.engine.EngineConfig;
import dev.duet.media.engine.EngineException;
import dev.duet.media.engine.KmsError;
import dev.duet.media.engine.gst.Natives;
import dev.duet.media.engine.gst.Probes;
import dev.duet.media.engine.gst.WebRtcNegotiation;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.freedesktop.gstreamer.Caps;
import org.freedesktop.gstreamer.Element;
import org.freedesktop.gstreamer.ElementFactory;
import org.freedesktop.gstreamer.Pad;
import org.freedesktop.gstreamer.PadDirection;
import org.freedesktop.gstreamer.Structure;
import org.freedesktop.gstreamer.webrtc.WebRTCBin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kurento's WebRtcEndpoint on one GStreamer webrtcbin.
 *
 * <p>Media in: each webrtcbin src pad feeds {@code depayloader -> tee}, the tap other elements'
 * inputs link to. Media out: per negotiated kind, {@code queue (leaky) -> errorignore -> payloader
 * -> capssetter -> webrtcbin sink pad}, the input a source's tee links to. Frames are never
 * decoded. The errorignore ({@link FlowGuard}) keeps this endpoint's failure to take a frame (a
 * payloader that refused the source's caps) from stopping the source's media; the flow watchdog
 * re-arms it ({@link #onWatchdogTick}).
 *
 * <p>Threading: SDP state is guarded by {@code lock}, which is never held across a GStreamer call
 * or an event raise. webrtcbin callbacks arrive on GStreamer threads.
 */
public final class WebRtcEndpointObject extends MediaElement {
  private static final Logger LOG = LoggerFactory.getLogger(WebRtcEndpointObject.class);
  private static final long KEYFRAME_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  private enum Negotiation {
    NEW,
    OFFERED,
    NEGOTIATED
  }

  private final WebRTCBin webrtc;
  private final Pointer webrtcPtr;
  private final boolean recvonly;
  private final boolean sendonly;

  // Strong references to every callback handed to native code.
  private final WebRTCBin.ON_ICE_CANDIDATE onIceCandidate = this::onLocalCandidate;
  private final Element.PAD_ADDED onPadAdded = (element, pad) -> onPadAdded(pad);
  private final Natives.NotifyCallback onGathering = (o, p, d) -> onGatheringState();
  private final Natives.NotifyCallback onConnection = (o, p, d) -> onConnectionState();
  private final Natives.NotifyCallback onIceConnection = (o, p, d) -> onIceConnectionState();
  private final Natives.TransceiverCallback onNewTransceiver = this::onNewTransceiver;
  private final Natives.SelectedPairCallback onSelectedPair = this::onSelectedPair;
  private final List<Object> keepAlive = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Map<MediaKind, InputGuard> inputGuards =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.Set<Hold> holds = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final List<Long> handlerIds = new ArrayList<>();

  private final Object lock = new Object();
  private Negotiation negotiation = Negotiation.NEW; // lock
  private boolean remoteSet; // lock
  private final List<String[]> pendingRemote = new ArrayList<>(); // lock: {mline, candidate}
  private boolean gatherRequested; // lock
  private boolean gatheringDone; // lock
  private boolean gatheringDoneRaised; // lock
  private boolean flushing; // lock: gatherCandidates is raising the candidates found before it
  private final List<JsonObject> pendingLocal = new ArrayList<>(); // lock
  private SdpText localSdpText = new SdpText(List.of()); // lock
  private String localSdp = ""; // lock
  private String remoteSdp = ""; // lock
  private String connectionState = "DISCONNECTED"; // lock
  private String mediaState = "DISCONNECTED"; // lock
  private final List<JsonObject> selectedPairs = new ArrayList<>(); // lock

  private volatile String stunAddress = "";
  private volatile int stunPort = 3478;
  private volatile String turnUrl = "";
  private final Map<MediaKind, Pad> depaySrc = new EnumMap<>(MediaKind.class);
  private final Map<MediaKind, AtomicLong> lastKeyframeRequest = new EnumMap<>(MediaKind.class);

  public WebRtcEndpointObject(MediaPipelineObject pipeline, Params params) {
    super(pipeline, "WebRtcEndpoint");
    this.recvonly = params.bool("recvonly", false);
    this.sendonly = params.bool("sendonly", false);
    if (recvonly && sendonly) {
      throw new EngineException(
          KmsError.MEDIA_OBJECT_ILLEGAL_PARAM_ERROR, "recvonly and sendonly are exclusive");
    }
    for (MediaKind k : MediaKind.values()) {
      lastKeyframeRequest.put(k, new AtomicLong(System.nanoTime() - KEYFRAME_INTERVAL_NANOS));
    }
    this.webrtc =
        new WebRTCBin(
            "webrtc-" + id().substring(id().lastIndexOf('/') + 1, id().lastIndexOf('/') + 9));
    this.webrtcPtr = org.freedesktop.gstreamer.glib.Natives.getRawPointer(webrtc);
    Natives.GstLib.INSTANCE.gst_util_set_object_arg(webrtcPtr, "bundle-policy", "max-bundle");
    configureIce(pipeline.context().config());
    webrtc.connect(onIceCandidate);
    webrtc.connect(onPadAdded);
    connectSignal("notify::ice-gathering-state", onGathering);
    connectSignal("notify::connection-state", onConnection);
    connectSignal("notify::ice-connection-state", onIceConnection);
    connectSignal("on-new-transceiver", onNewTransceiver);
    pipeline.onGraph(
        () -> {
          own(webrtc);
          pipeline.gst().add(webrtc);
          webrtc.syncStateWithParent();
          return null;
        });
    pipeline.adopt(this);
  }

  /** Adds a probe whose callback lives as long as this endpoint. */
  private void probe(Pad pad, int mask, Probes.Callback callback) {
    keepAlive.add(callback);
    Probes.add(pad, mask, callback);
  }

  private void connectSignal(String signal, com.sun.jna.Callback cb) {
    keepAlive.add(cb);
    handlerIds.add(
        Natives.GObjectLib.INSTANCE.g_signal_connect_data(webrtcPtr, signal, cb, null, null, 0));
  }

  private void configureIce(EngineConfig config) {
    Pointer ice = Natives.objectProperty(webrtcPtr, "ice-agent");
    if (ice == null) {
      return;
    }
    try {
      if (config.maxMediaPort() > 0) {
        Natives.GObjectLib.INSTANCE.g_object_set(
            ice, "max-rtp-port", config.maxMediaPort(), Pointer.NULL);
        Natives.GObjectLib.INSTANCE.g_object_set(
            ice, "min-rtp-port", config.minMediaPort(), Pointer.NULL);
      }
      Natives.GObjectLib.INSTANCE.g_object_set(ice, "ice-tcp", 0, Pointer.NULL);
      Pointer agent = Natives.objectProperty(ice, "agent");
      if (agent != null) {
        try {
          Natives.GObjectLib.INSTANCE.g_object_set(agent, "upnp", 0, Pointer.NULL);
          // the agent lives as long as webrtcbin's ICE object, and so as this endpoint
          keepAlive.add(onSelectedPair);
          Natives.GObjectLib.INSTANCE.g_signal_connect_data(
              agent, "new-selected-pair-full", onSelectedPair, null, null, 0);
          for (String address : config.mediaAddresses()) {
            Pointer a = Natives.NiceLib.INSTANCE.nice_address_new();
            try {
              if (Natives.NiceLib.INSTANCE.nice_address_set_from_string(a, address)) {
                Natives.NiceLib.INSTANCE.nice_agent_add_local_address(agent, a);
              } else {
                LOG.warn("ignoring bad media address {}", address);
              }
            } finally {
              Natives.NiceLib.INSTANCE.nice_address_free(a);
            }
          }
        } finally {
          Natives.GObjectLib.INSTANCE.g_object_unref(agent);
        }
      }
    } finally {
      Natives.GObjectLib.INSTANCE.g_object_unref(ice);
    }
  }

  @Override
  public List<String> hierarchy() {
    return List.of(
        "kurento.BaseRtpEndpoint",
        "kurento.SdpEndpoint",
        "kurento.SessionEndpoint",
        "kurento.Endpoint",
        "kurento.MediaElement",
        "kurento.MediaObject");
  }

  // ---- operations ----

  @Override
  protected Optional<JsonElement> invokeElement(String operation, Params params) {
    return Optional.ofNullable(
        switch (operation) {
          case "processOffer" -> new JsonPrimitive(processOffer(params.requiredString("offer")));
          case "generateOffer" -> new JsonPrimitive(generateOffer());
          case "processAnswer" -> new JsonPrimitive(processAnswer(params.requiredString("answer")));
          case "gatherCandidates" -> {
            gatherCandidates();
            yield JsonNull.INSTANCE;
          }
          case "addIceCandidate" -> {
            addIceCandidate(params.object("candidate").orElseThrow(() -> missing("candidate")));
            yield JsonNull.INSTANCE;
          }
          case "getLocalSessionDescriptor" -> {
            synchronized (lock) {
              if (localSdp == null || localSdp.isEmpty()) {
                throw new EngineException(
                    KmsError.SDP_END_POINT_NO_LOCAL_SDP_ERROR, "Local SDP not generated yet");
              }
              yield new JsonPrimitive(localSdp);
            }
          }
          case "getRemoteSessionDescriptor" -> {
            synchronized (lock) {
              if (remoteSdp == null || remoteSdp.isEmpty()) {
                throw new EngineException(
                    KmsError.SDP_END_POINT_NO_REMOTE_SDP_ERROR, "Remote SDP not received yet");
              }
              yield new JsonPrimitive(remoteSdp);
            }
          }
          case "setStunServerAddress" -> {
            stunAddress = params.requiredString("stunServerAddress");
            applyStun();
            yield JsonNull.INSTANCE;
          }
          case "getStunServerAddress" -> new JsonPrimitive(stunAddress);
          case "setStunServerPort" -> {
            stunPort = params.requiredInteger("stunServerPort");
            applyStun();
            yield JsonNull.INSTANCE;
          }
          case "getStunServerPort" -> new JsonPrimitive(stunPort);
          case "setTurnUrl" -> {
            turnUrl = params.requiredString("turnUrl");
            webrtc.setTurnServer(turnUri(turnUrl));
            yield JsonNull.INSTANCE;
          }
          case "getTurnUrl" -> new JsonPrimitive(turnUrl);
          case "getConnectionState" -> {
            synchronized (lock) {
              yield new JsonPrimitive(connectionState);
            }
          }
          case "getMediaState" -> {
            synchronized (lock) {
              yield new JsonPrimitive(mediaState);
            }
          }
          case "getICECandidatePairs" -> {
            JsonArray a = new JsonArray();
            synchronized (lock) {
              selectedPairs.forEach(a::add);
            }
            yield a;
          }
          case "getIceConnectionState" -> new JsonArray();
          // Stored, not applied: host candidates come from DUET_MEDIA_ADDRESSES, the MTU is
          // GStreamer's.
          case "setNetworkInterfaces",
              "setExternalAddress",
              "setExternalIPv4",
              "setExternalIPv6",
              "setMtu",
              "setRembParams" ->
              storeSetting(operation, params, false);
          case "getNetworkInterfaces", "getExternalAddress", "getExternalIPv4", "getExternalIPv6" ->
              setting(operation, new JsonPrimitive(""));
          case "getMtu" -> setting(operation, new JsonPrimitive(1200));
          case "setIceTcp", "closeDataChannel", "createDataChannel" -> JsonNull.INSTANCE;
          case "getIceTcp" -> new JsonPrimitive(false);
          case "getDtlsConnectionState" -> dtlsConnections();
          case "requestKeyframe" -> {
            for (MediaKind k : MediaKind.values()) {
              requestKeyframe(k);
            }
            yield JsonNull.INSTANCE;
          }
          default -> bandwidthProperty(operation, params);
        });
  }

  /** One DtlsConnection (bundled: one transport) in KMS's shape, from the connection state. */
  private JsonArray dtlsConnections() {
    JsonObject c = Structs.of("DtlsConnection");
    c.addProperty("streamId", "1");
    c.addProperty("componentId", "1");
    c.addProperty("connectionId", id());
    synchronized (lock) {
      c.addProperty(
          "state",
          connectionState.equals("CONNECTED")
              ? "CONNECTED"
              : negotiation == Negotiation.NEW ? "NEW" : "CONNECTING");
    }
    JsonArray a = new JsonArray();
    a.add(c);
    return a;
  }

  /** Bandwidth and bitrate properties are stored and reported, not enforced. */
  private JsonElement bandwidthProperty(String operation, Params params) {
    if (!(operation.startsWith("set") || operation.startsWith("get"))
        || !(operation.contains("Bandwidth") || operation.contains("Bitrate"))) {
      return null;
    }
    return operation.startsWith("set")
        ? storeSetting(operation, params, true)
        : setting(operation, new JsonPrimitive(defaultBandwidth(operation.substring(3))));
  }

  private static int defaultBandwidth(String property) {
    return switch (property) {
      case "MaxVideoRecvBandwidth", "MaxVideoSendBandwidth", "MaxEncoderBitrate" -> 500;
      case "MinVideoRecvBandwidth", "MinVideoSendBandwidth", "MinEncoderBitrate" -> 100;
      case "MaxAudioRecvBandwidth", "EncoderBitrate" -> 0;
      default -> 0;
    };
  }

  private void applyStun() {
    if (!stunAddress.isEmpty()) {
      String host = stunAddress.contains(":") ? "[" + stunAddress + "]" : stunAddress;
      webrtc.setStunServer("stun://" + host + ":" + stunPort);
    }
  }

  /**
   * Kurento's {@code user:password@host:port?transport=udp} to webrtcbin's {@code
   * turn://user:password@host:port}. The password is what follows the last ':' before the '@', so
   * TURN REST user names ({@code expiry:user}) survive; both are percent-encoded.
   */
  static String turnUri(String kurentoTurnUrl) {
    String s = kurentoTurnUrl.strip();
    String scheme = "turn://";
    if (s.startsWith("turn:") || s.startsWith("turns:")) {
      scheme = s.startsWith("turns:") ? "turns://" : "turn://";
      s = s.substring(s.indexOf(':') + 1).replaceFirst("^//", "");
    }
    String query = "";
    int q = s.indexOf('?');
    if (q >= 0) {
      query = s.substring(q);
      s = s.substring(0, q);
    }
    int at = s.lastIndexOf('@');
    if (at < 0) {
      return scheme + s + (query.contains("transport=tcp") ? "?transport=tcp" : "");
    }
    String credentials = s.substring(0, at);
    String hostPort = s.substring(at + 1);
    int colon = credentials.lastIndexOf(':');
    String user = colon < 0 ? credentials : credentials.substring(0, colon);
    String password = colon < 0 ? "" : credentials.substring(colon + 1);
    return scheme
        + encode(user)
        + ":"
        + encode(password)
        + "@"
        + hostPort
        + (query.contains("transport=tcp") ? "?transport=tcp" : "");
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private String processOffer(String offer) {
    synchronized (lock) {
      if (negotiation != Negotiation.NEW) {
        throw new EngineException(
            KmsError.SDP_END_POINT_ALREADY_NEGOTIATED, "Endpoint already negotiated");
      }
      negotiation = Negotiation.NEGOTIATED;
      remoteSdp = offer;
    }
    SdpText remote = SdpText.parse(offer);
    boolean anyMedia = false;
    for (MediaKind k : MediaKind.values()) {
      anyMedia |= remote.first(k).isPresent();
    }
    if (!anyMedia) {
      synchronized (lock) {
        negotiation = Negotiation.NEW; // nothing was negotiated: a usable offer may follow
        remoteSdp = "";
      }
      throw new EngineException(
          KmsError.SDP_END_POINT_PROCESS_OFFER_ERROR, "the offer has no audio or video to relay");
    }
    if (!recvonly) {
      Map<MediaKind, SdpText.Offered> send = new EnumMap<>(MediaKind.class);
      for (MediaKind k : MediaKind.values()) {
        remote
            .first(k)
            .filter(m -> !m.direction().equals("sendonly") && !m.direction().equals("inactive"))
            .flatMap(SdpText.Media::preferred)
            .ifPresent(o -> send.put(k, o));
      }
      createInputs(send);
    }
    setRemote(WebRtcNegotiation.OFFER, offer, KmsError.SDP_END_POINT_PROCESS_OFFER_ERROR);
    return local(false, KmsError.SDP_END_POINT_PROCESS_OFFER_ERROR);
  }

  private String generateOffer() {
    synchronized (lock) {
      if (negotiation != Negotiation.NEW) {
        throw new EngineException(
            KmsError.SDP_END_POINT_ALREADY_NEGOTIATED, "Endpoint already negotiated");
      }
      negotiation = Negotiation.OFFERED;
    }
    Map<MediaKind, SdpText.Offered> send = new EnumMap<>(MediaKind.class);
    send.put(MediaKind.AUDIO, new SdpText.Offered(Codec.OPUS, Codec.OPUS.defaultPayload));
    send.put(MediaKind.VIDEO, new SdpText.Offered(Codec.VP8, Codec.VP8.defaultPayload));
    createInputs(send);
    return local(true, KmsError.SDP_END_POINT_GENERATE_OFFER_ERROR);
  }

  private String processAnswer(String answer) {
    synchronized (lock) {
      if (negotiation != Negotiation.OFFERED) {
        throw new EngineException(
            negotiation == Negotiation.NEW
                ? KmsError.SDP_END_POINT_NOT_OFFER_GENERATED
                : KmsError.SDP_END_POINT_ANSWER_ALREADY_PROCCESED,
            negotiation == Negotiation.NEW ? "No offer generated" : "Answer already processed");
      }
      negotiation = Negotiation.NEGOTIATED;
      remoteSdp = answer;
    }
    setRemote(WebRtcNegotiation.ANSWER, answer, KmsError.SDP_END_POINT_PROCESS_ANSWER_ERROR);
    synchronized (lock) {
      return localSdp;
    }
  }

  private String local(boolean offer, KmsError error) {
    WebRtcNegotiation.Result r = WebRtcNegotiation.createAndApplyLocal(webrtcPtr, offer);
    if (r.sdp().isEmpty()) {
      throw new EngineException(error, r.error().orElse("negotiation failed"));
    }
    String text = r.sdp().get();
    synchronized (lock) {
      localSdp = text;
      localSdpText = SdpText.parse(text);
    }
    return text;
  }

  private void setRemote(int type, String sdp, KmsError error) {
    Optional<String> failure = WebRtcNegotiation.setRemote(webrtcPtr, type, sdp);
    if (failure.isPresent()) {
      throw new EngineException(
          error, "webrtcbin refused the remote description: " + failure.get());
    }
    List<String[]> pending;
    synchronized (lock) {
      remoteSet = true;
      pending = List.copyOf(pendingRemote);
      pendingRemote.clear();
    }
    for (String[] c : pending) {
      webrtc.addIceCandidate(Integer.parseInt(c[0]), c[1]);
    }
  }

  private void gatherCandidates() {
    List<JsonObject> flush;
    synchronized (lock) {
      gatherRequested = true;
      flush = List.copyOf(pendingLocal);
      pendingLocal.clear();
      flushing = true; // IceGatheringDone is raised after these, here (see onGatheringState)
    }
    boolean done;
    try {
      for (JsonObject c : flush) {
        raise("IceCandidateFound", c);
      }
    } finally {
      synchronized (lock) {
        flushing = false;
        done = gatheringDone && !gatheringDoneRaised;
        gatheringDoneRaised |= done;
      }
    }
    if (done) {
      raise("IceGatheringDone", new JsonObject());
    }
  }

  private void addIceCandidate(JsonObject candidate) {
    Params c = Params.of(candidate);
    String text = c.string("candidate").orElse("").strip();
    int mline = c.integer("sdpMLineIndex").orElse(0);
    if (text.isEmpty()) {
      return; // end-of-candidates
    }
    String[] fields = text.split(" ");
    if (fields.length > 4 && fields[4].endsWith(".local")) {
      // libnice cannot resolve mDNS names; the browser's checks still reach us and yield a
      // peer-reflexive candidate, so ICE connects without this one.
      LOG.debug("ignoring mDNS candidate {}", text);
      return;
    }
    synchronized (lock) {
      if (!remoteSet) {
        pendingRemote.add(new String[] {Integer.toString(mline), text});
        return;
      }
    }
    webrtc.addIceCandidate(mline, text);
  }

  // ---- media graph ----

  private void createInputs(Map<MediaKind, SdpText.Offered> send) {
    pipeline.onGraph(
        () -> {
          for (Map.Entry<MediaKind, SdpText.Offered> e : send.entrySet()) {
            createInput(e.getKey(), e.getValue());
          }
          return null;
        });
  }

  /** Graph thread: {@code queue (leaky) -> errorignore -> payloader -> capssetter -> webrtcbin}. */
  private void createInput(MediaKind kind, SdpText.Offered offered) {
    Codec codec = offered.codec();
    String caps = codec.rtpCaps(offered.payload());
    Element queue = ElementFactory.make("queue", null);
    queue.set("max-size-buffers", 0);
    queue.set("max-size-bytes", 0);
    queue.set("max-size-time", TimeUnit.SECONDS.toNanos(1));
    Natives.GstLib.INSTANCE.gst_util_set_object_arg(
        org.freedesktop.gstreamer.glib.Natives.getRawPointer(queue), "leaky", "downstream");
    Element pay = ElementFactory.make(codec.payloader, null);
    pay.set("pt", offered.payload());
    if (codec == Codec.VP8) {
      Natives.GstLib.INSTANCE.gst_util_set_object_arg(
          org.freedesktop.gstreamer.glib.Natives.getRawPointer(pay), "picture-id-mode", "15-bit");
    }
    if (codec == Codec.H264) {
      pay.set("config-interval", -1);
    }
    // The caps webrtcbin sees on this pad are exactly the negotiated ones, whatever the payloader
    // adds (H.264: the sender's profile-level-id). webrtcbin pairs this pad's transceiver with
    // the remote offer's m-line by the caps it has received; a profile from media that flowed
    // before the offer was applied made it answer recvonly (1 H.264 call in ~8 sent no video).
    Element filter = ElementFactory.make("capssetter", null);
    filter.set("replace", true);
    filter.setCaps(Caps.fromString(caps));
    Element guard = FlowGuard.create();
    own(queue);
    own(guard);
    own(pay);
    own(filter);
    pipeline.gst().addMany(queue, guard, pay, filter);
    Element.linkMany(queue, guard, pay, filter);
    Pointer padPtr = Natives.requestPad(webrtcPtr, "sink_%u", caps);
    if (padPtr == null) {
      throw new EngineException(KmsError.SDP_CONFIGURATION_ERROR, "webrtcbin refused a sink pad");
    }
    Pad sinkPad = org.freedesktop.gstreamer.glib.Natives.objectFor(padPtr, Pad.class, false, true);
    filter.getStaticPad("src").link(sinkPad);
    queue.syncStateWithParent();
    guard.syncStateWithParent();
    pay.syncStateWithParent();
    filter.syncStateWithParent();

    Pad queueSink = queue.getStaticPad("sink");
    Pad queueSrc = queue.getStaticPad("src");
    // A viewer's PLI/FIR arrives as an upstream force-key-unit event: relay it to our source.
    probe(
        queueSink,
        Probes.EVENT_UPSTREAM,
        (pad, info, data) -> {
          if (Probes.isForceKeyUnit(Probes.data(info))) {
            askSourceForKeyframe(kind);
            return Probes.DROP;
          }
          return Probes.OK;
        });
    Runnable waitForKeyframe = () -> {};
    if (kind == MediaKind.VIDEO) {
      // After a new link or a leak, drop delta frames until a keyframe and ask for one.
      KeyframeWait wait = new KeyframeWait(queueSrc, () -> askSourceForKeyframe(kind));
      keepAlive.add(wait);
      waitForKeyframe = wait::start;
      Runnable onLeak = waitForKeyframe;
      Natives.OverrunCallback overrun = (q, d) -> onLeak.run();
      keepAlive.add(overrun);
      Natives.GObjectLib.INSTANCE.g_signal_connect_data(
          org.freedesktop.gstreamer.glib.Natives.getRawPointer(queue),
          "overrun",
          overrun,
          null,
          null,
          0);
      waitForKeyframe.run();
    } else {
      queue.set("silent", true); // no signals per buffer; only video watches for leaks
    }
    watchFlowOut(kind, pay.getStaticPad("src"));
    inputGuards.put(
        kind,
        new InputGuard(
            kind, guard.getStaticPad("sink"), guard.getStaticPad("src"), waitForKeyframe));
    publishInput(kind, new Input(queueSink, codec.encodingName, waitForKeyframe));
  }

  /**
   * Watchdog thread, every 500 ms: re-arms the guard of an input whose last frame was refused (see
   * {@link InputGuard}). One native read per input and tick; nothing per frame.
   */
  @Override
  protected void onWatchdogTick(long now) {
    for (InputGuard g : inputGuards.values()) {
      g.check(now);
    }
  }

  /** How long after a refusal the first re-arm comes; each one in a row waits twice as long. */
  private static final long REARM_FIRST_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  private static final long REARM_MAX_NANOS = TimeUnit.SECONDS.toNanos(30);

  /**
   * The guard of one input. After a refusal it drops frames until re-armed; it is re-armed 0.5 to 1
   * s later (the watchdog's tick), then after 1, 2, 4 ... up to 30 s while refusals go on (a
   * payloader refusing caps posts an error each time), and video then waits for a keyframe (asked
   * for), as a delta frame after the gap would not decode. A re-arm no frame has used yet is not
   * counted again. Watchdog thread only.
   */
  private final class InputGuard {
    private final MediaKind kind;
    private final Pad in;
    private final Pad out;
    private final Runnable waitForKeyframe;
    private long wait = REARM_FIRST_NANOS;
    private long refusedAt = -1; // when the current refusal was first seen, or -1
    private int rearms; // in a row, without an accepted frame between them

    InputGuard(MediaKind kind, Pad in, Pad out, Runnable waitForKeyframe) {
      this.kind = kind;
      this.in = in;
      this.out = out;
      this.waitForKeyframe = waitForKeyframe;
    }

    void check(long now) {
      if (FlowGuard.rearmPending(in)) {
        return; // no frame since the last re-arm (a keyframe still awaited, a quiet source)
      }
      int flow = FlowGuard.lastFlow(out);
      if (!FlowGuard.latched(flow)) {
        if (flow == 0 && rearms > 0) {
          LOG.info("{}: its {} input takes frames again", id(), kind.sdpName());
          rearms = 0;
          wait = REARM_FIRST_NANOS;
        }
        refusedAt = -1;
        return;
      }
      if (refusedAt < 0) {
        refusedAt = now;
      }
      if (now - refusedAt < wait) {
        return;
      }
      String name = Natives.GstLib.INSTANCE.gst_flow_get_name(flow);
      if (rearms == 0) {
        LOG.warn(
            "{}: its {} input refused a frame ({}); frames dropped until it takes them again",
            id(),
            kind.sdpName(),
            name);
      } else {
        LOG.debug("{}: its {} input refused a frame again ({})", id(), kind.sdpName(), name);
      }
      rearms++;
      refusedAt = -1;
      wait = Math.min(REARM_MAX_NANOS, wait * 2);
      // The keyframe wait first, so the frame the re-armed guard lets through is a keyframe.
      waitForKeyframe.run();
      FlowGuard.rearm(in);
    }
  }

  /** webrtcbin streaming thread: a remote stream appeared; build its depayloader and tee. */
  private void onPadAdded(Pad pad) {
    if (pad.getDirection() != PadDirection.SRC || isReleased()) {
      return;
    }
    Caps caps = pad.getCurrentCaps();
    if (caps == null || caps.size() == 0) {
      return;
    }
    Structure s = caps.getStructure(0);
    Optional<Codec> codec =
        s.hasField("encoding-name")
            ? Codec.byEncodingName(s.getString("encoding-name"))
            : Optional.empty();
    if (codec.isEmpty()) {
      LOG.warn("{}: unsupported incoming stream {}", id(), caps);
      Element sink = ElementFactory.make("fakesink", null);
      sink.set("async", false);
      own(sink);
      pipeline.gst().add(sink);
      sink.syncStateWithParent();
      pad.link(sink.getStaticPad("sink"));
      return;
    }
    MediaKind kind = codec.get().kind;
    Element depay = ElementFactory.make(codec.get().depayloader, null);
    // After a lost packet: ask the browser for a keyframe and pass nothing undecodable until it
    // comes (both depayloaders have these properties since GStreamer 1.20).
    if (kind == MediaKind.VIDEO) {
      depay.set("request-keyframe", true);
      depay.set("wait-for-keyframe", true);
    }
    Element tee = ElementFactory.make("tee", null);
    tee.set("allow-not-linked", true);
    own(depay);
    own(tee);
    pipeline.gst().addMany(depay, tee);
    depay.link(tee);
    depay.syncStateWithParent();
    tee.syncStateWithParent();
    Pad src = depay.getStaticPad("src");
    watchFlowIn(kind, src);
    // Nothing passes the tee, not even its stream-start, caps and segment, until the sinks that
    // wait for this stream are linked to it on the graph thread: a tee pad requested while the
    // segment went through missed it, and a recording's muxer fed without one wrote nothing (one
    // full-suite run). A release lets go of the hold first (beforeRelease): its graph task would
    // otherwise wait for this thread, held here, before the hold's own task could run.
    Hold held = new Hold(tee.getStaticPad("sink"));
    holds.add(held);
    if (isReleased()) {
      held.letGo(holds); // released meanwhile, perhaps after beforeRelease looked
    }
    pad.link(depay.getStaticPad("sink"));
    synchronized (depaySrc) {
      depaySrc.put(kind, src);
    }
    pipeline.post(
        () -> {
          try {
            if (!isReleased()) {
              publishTap(kind, new Tap(tee, codec.get().encodingName));
            }
          } finally {
            held.letGo(holds);
          }
        });
  }

  /** The blocking probe's callback: blocks (OK keeps a blocking probe in place). */
  private static final Probes.Callback HOLD = (p, info, data) -> Probes.OK;

  /** A blocking probe on a new tee's sink pad (see onPadAdded). */
  private static final class Hold {
    private final Pad pad;
    private final long id;

    Hold(Pad pad) {
      this.pad = pad;
      this.id = Probes.add(pad, Probes.BLOCK_DOWNSTREAM, HOLD);
    }

    /** Removes the probe, once: whoever takes the hold out of {@code holds} removes it. */
    void letGo(java.util.Set<Hold> holds) {
      if (holds.remove(this)) {
        Probes.remove(pad, id);
      }
    }
  }

  /** Lets every stream still held go, so release's graph task never waits for a held thread. */
  @Override
  protected void beforeRelease() {
    for (Hold h : List.copyOf(holds)) {
      h.letGo(holds);
    }
  }

  /**
   * Sends a keyframe request (PLI/FIR) to the browser, at most one every 500 ms: a request inside
   * that window is dropped, the one just sent already covers it. Whoever still lacks a keyframe
   * after the window asks again: a sink's input and a recording's gate ask on every delta frame
   * they drop, a browser repeats its PLI. (A request sent later "for" an earlier one would ask for
   * a keyframe nobody needs any more and hold back the next real request for a window.)
   */
  @Override
  protected void requestKeyframe(MediaKind kind) {
    if (kind != MediaKind.VIDEO || isReleased()) {
      return;
    }
    AtomicLong last = lastKeyframeRequest.get(kind);
    long now = System.nanoTime();
    long prev = last.get();
    if (now - prev < KEYFRAME_INTERVAL_NANOS) {
      return;
    }
    if (!last.compareAndSet(prev, now)) {
      return;
    }
    Pad src;
    synchronized (depaySrc) {
      src = depaySrc.get(kind);
    }
    if (src == null) {
      return;
    }
    Pointer event =
        Natives.GstVideoLib.INSTANCE.gst_video_event_new_upstream_force_key_unit(-1L, true, 0);
    Natives.GstLib.INSTANCE.gst_pad_send_event(
        org.freedesktop.gstreamer.glib.Natives.getRawPointer(src), event);
  }

  private void onNewTransceiver(Pointer element, Pointer transceiver, Pointer data) {
    if (recvonly) {
      Natives.GstLib.INSTANCE.gst_util_set_object_arg(transceiver, "direction", "recvonly");
    } else if (sendonly) {
      Natives.GstLib.INSTANCE.gst_util_set_object_arg(transceiver, "direction", "sendonly");
    }
  }

  // ---- ICE and connection state ----

  private void onLocalCandidate(int mline, String candidate) {
    if (candidate == null || candidate.isBlank()) {
      return;
    }
    JsonObject data = new JsonObject();
    JsonObject c = Structs.of("IceCandidate");
    c.addProperty(
        "candidate", candidate.startsWith("candidate:") ? candidate : "candidate:" + candidate);
    boolean now;
    synchronized (lock) {
      c.addProperty("sdpMid", localSdpText.midAt(mline).orElse(Integer.toString(mline)));
      c.addProperty("sdpMLineIndex", mline);
      data.add("candidate", c);
      now = gatherRequested;
      if (!now) {
        pendingLocal.add(data);
      }
    }
    if (now) {
      raise("IceCandidateFound", data);
    }
  }

  /** libnice thread: ICE selected a candidate pair. */
  private void onSelectedPair(
      Pointer agent, int streamId, int componentId, Pointer local, Pointer remote, Pointer data) {
    JsonObject pair = Structs.of("IceCandidatePair");
    pair.addProperty("streamId", Integer.toString(streamId));
    pair.addProperty("componentId", componentId);
    pair.addProperty("localCandidate", Natives.candidateText(agent, local));
    pair.addProperty("remoteCandidate", Natives.candidateText(agent, remote));
    JsonObject o = new JsonObject();
    o.add("candidatePair", pair);
    synchronized (lock) {
      selectedPairs.add(pair);
    }
    raise("NewCandidatePairSelected", o);
  }

  private void onGatheringState() {
    int state = Natives.intProperty(webrtcPtr, "ice-gathering-state");
    if (state == 1) {
      raiseIceState("GATHERING");
    }
    if (state != 2) {
      return;
    }
    boolean raiseNow;
    synchronized (lock) {
      gatheringDone = true;
      // While gatherCandidates raises the candidates found before it, it raises Done after them.
      raiseNow = gatherRequested && !flushing && !gatheringDoneRaised;
      gatheringDoneRaised |= raiseNow;
    }
    if (raiseNow) {
      raise("IceGatheringDone", new JsonObject());
    }
  }

  private void onIceConnectionState() {
    int state = Natives.intProperty(webrtcPtr, "ice-connection-state");
    String kms =
        switch (state) {
          case 1 -> "CONNECTING";
          case 2 -> "CONNECTED";
          case 3 -> "READY";
          case 4 -> "FAILED";
          case 5, 6 -> "DISCONNECTED";
          default -> null;
        };
    if (kms != null) {
      raiseIceState(kms);
    }
  }

  private void raiseIceState(String state) {
    JsonObject o = new JsonObject();
    o.addProperty("streamId", 1);
    o.addProperty("componentId", 1);
    o.addProperty("state", state);
    raise("IceComponentStateChanged", o);
  }

  private void onConnectionState() {
    int state = Natives.intProperty(webrtcPtr, "connection-state");
    String next = state == 2 ? "CONNECTED" : (state >= 3 ? "DISCONNECTED" : null);
    if (next == null) {
      return;
    }
    String oldConnection;
    String oldMedia;
    synchronized (lock) {
      oldConnection = connectionState;
      oldMedia = mediaState;
      connectionState = next;
      mediaState = next;
    }
    if (!oldConnection.equals(next)) {
      JsonObject o = new JsonObject();
      o.addProperty("oldState", oldConnection);
      o.addProperty("newState", next);
      raise("ConnectionStateChanged", o);
    }
    if (!oldMedia.equals(next)) {
      JsonObject o = new JsonObject();
      o.addProperty("oldState", oldMedia);
      o.addProperty("newState", next);
      raise("MediaStateChanged", o);
    }
  }

  @Override
  protected void afterRelease() {
    for (long id : handlerIds) {
      // the element is disposed; handlers die with it. Keep ids only for symmetry.
      LOG.trace("handler {} dropped", id);
    }
    handlerIds.clear();
    synchronized (depaySrc) {
      depaySrc.clear();
    }
  }
}
