package dev.duet.media;

import dev.duet.common.Periodic;
import dev.duet.common.Threads;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.kurento.client.IceCandidate;
import org.kurento.client.KurentoClient;
import org.kurento.client.KurentoConnectionListener;
import org.kurento.client.MediaPipeline;
import org.kurento.client.MediaProfileSpecType;
import org.kurento.client.RecorderEndpoint;
import org.kurento.client.WebRtcEndpoint;
import org.kurento.client.internal.server.KurentoServerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media relay on a Kurento media server (a real KMS, or Duet's embedded engine), through
 * kurento-client: per call one MediaPipeline, one WebRtcEndpoint per party connected both ways, and
 * a RecorderEndpoint per party when the call records, made at the party's first offer with the
 * profile of what it sends ({@link SentKinds}). The only class of Duet that talks to Kurento.
 *
 * <p>Losing the media server: kurento-client reconnects by itself. When it comes back with the same
 * session within {@link RelaySettings#reconnectGrace()}, nothing is lost; when it does not, or
 * comes back as a new server (its pipelines are gone), every open call is told it {@link
 * MediaListener#failed failed}, and its recordings so far are reported as partial. A client that
 * closed itself instead of reconnecting (kurento-client does after some connection resets) is
 * replaced after the same grace, so later calls get media again.
 */
public final class KurentoMediaRelay implements MediaRelay {
  private static final Logger LOG = LoggerFactory.getLogger(KurentoMediaRelay.class);

  private final RelaySettings settings;
  private final Holder holder;
  private volatile KurentoClient kurento; // replaced when kurento-client gives up on its own
  private long closedSince; // timers thread: when the client was first seen closed, 0 if open
  private volatile boolean shuttingDown;
  private final Map<String, KurentoCall> calls = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timers =
      Executors.newSingleThreadScheduledExecutor(Threads.daemon("duet-media-relay"));
  private volatile ScheduledFuture<?> lostTimer;
  // Replacing a client blocks for up to kurento-client's connect timeout while the media server
  // is unreachable: on its own thread, so the timers (the reconnect grace) keep their time.
  private final ExecutorService connector =
      Executors.newSingleThreadExecutor(Threads.daemon("duet-media-relay-connect"));
  private boolean replacing; // timers thread: a replacement is under way on the connector

  private KurentoMediaRelay(RelaySettings settings, Holder holder, KurentoClient kurento) {
    this.settings = settings;
    this.holder = holder;
    this.kurento = kurento;
    var unused =
        Periodic.every(
            timers, 1, 1, TimeUnit.SECONDS, "media server client check", this::watchClient);
  }

  /**
   * Timers thread, every second. kurento-client 7.2.0 reconnects by itself after an orderly close,
   * but after a connection reset it sometimes closes itself instead (no reconnect, no listener
   * call): the relay would stay dead for every later call. A client still closed after the
   * reconnect grace is replaced by a new one (a new session: the open calls lose their media).
   */
  private void watchClient() {
    KurentoClient k = kurento;
    if (shuttingDown || !k.isClosed()) {
      closedSince = 0;
      return;
    }
    long now = System.nanoTime();
    if (closedSince == 0) {
      closedSince = now;
      LOG.warn("the media server client closed itself; waiting {}", settings.reconnectGrace());
      return;
    }
    if (now - closedSince < settings.reconnectGrace().toNanos()) {
      return;
    }
    if (replacing) {
      return;
    }
    lost("media server connection was reset");
    replacing = true;
    connector.execute(
        () -> {
          KurentoClient fresh = null;
          try {
            fresh = KurentoClient.create(settings.kurentoUrl(), holder);
          } catch (RuntimeException e) {
            LOG.warn("media server still unreachable: {}", e.toString());
          }
          KurentoClient created = fresh;
          try {
            timers.execute(() -> replaced(k, created));
          } catch (java.util.concurrent.RejectedExecutionException e) {
            if (created != null) {
              created.destroy(); // the relay closed meanwhile
            }
          }
        });
  }

  /** Timers thread: a replacement attempt ended; {@code fresh} is null if it failed. */
  private void replaced(KurentoClient old, KurentoClient fresh) {
    replacing = false;
    if (fresh == null) {
      return; // the next check tries again
    }
    if (shuttingDown) {
      fresh.destroy();
      return;
    }
    kurento = fresh;
    closedSince = 0;
    try {
      old.destroy();
    } catch (RuntimeException e) {
      LOG.debug("old media server client already gone", e);
    }
    LOG.info("connected to the media server again, with a new session");
  }

  /** Connects to the media server. */
  public static KurentoMediaRelay connect(RelaySettings settings) {
    Holder holder = new Holder();
    KurentoClient client;
    try {
      client = KurentoClient.create(settings.kurentoUrl(), holder);
    } catch (RuntimeException e) {
      throw new MediaException("cannot reach the media server at " + settings.kurentoUrl(), e);
    }
    KurentoMediaRelay relay = new KurentoMediaRelay(settings, holder, client);
    holder.relay = relay;
    return relay;
  }

  /** Forwards connection events to the relay once it exists. */
  private static final class Holder implements KurentoConnectionListener {
    volatile KurentoMediaRelay relay;

    @Override
    public void connected() {}

    @Override
    public void connectionFailed() {
      KurentoMediaRelay r = relay;
      if (r != null) {
        r.lost("media server unreachable");
      }
    }

    @Override
    public void disconnected() {
      KurentoMediaRelay r = relay;
      if (r != null) {
        r.disconnected();
      }
    }

    @Override
    public void reconnected(boolean sameServer) {
      KurentoMediaRelay r = relay;
      if (r != null) {
        r.reconnected(sameServer);
      }
    }
  }

  private void disconnected() {
    LOG.warn("media server connection lost; waiting {} for it", settings.reconnectGrace());
    if (lostTimer == null) {
      lostTimer =
          timers.schedule(
              () -> lost("media server did not come back"),
              settings.reconnectGrace().toMillis(),
              TimeUnit.MILLISECONDS);
    }
  }

  private void reconnected(boolean sameServer) {
    ScheduledFuture<?> t = lostTimer;
    lostTimer = null;
    if (t != null) {
      t.cancel(false);
    }
    if (sameServer) {
      LOG.info("media server back with the same session: calls continue");
    } else {
      lost("media server restarted");
    }
  }

  private void lost(String why) {
    lostTimer = null;
    for (KurentoCall c : List.copyOf(calls.values())) {
      c.fail(why);
    }
  }

  @Override
  public CallMedia open(
      String callId, List<String> parties, boolean record, MediaListener listener) {
    MediaPipeline pipeline;
    try {
      pipeline = kurento.createMediaPipeline();
    } catch (RuntimeException e) {
      throw new MediaException("the media server refused a pipeline", e);
    }
    KurentoCall call = new KurentoCall(callId, pipeline, listener, record);
    try {
      for (String party : parties) {
        call.addParty(party);
      }
      List<Leg> legs = List.copyOf(call.legs.values());
      if (legs.size() == 2) {
        legs.get(0).endpoint.connect(legs.get(1).endpoint);
        legs.get(1).endpoint.connect(legs.get(0).endpoint);
      }
      // A recording starts with the party's first offer: what it sends decides the profile.
    } catch (RuntimeException e) {
      call.close();
      throw new MediaException("could not set up the media of call " + callId, e);
    }
    calls.put(callId, call);
    return call;
  }

  /** One party's side of a call in the pipeline. */
  private static final class Leg {
    final String party;
    final WebRtcEndpoint endpoint;
    final List<RelayCandidate> early = new ArrayList<>();
    boolean offered;
    boolean recordingTried; // at the first offer that sends media; a failed one is not retried
    RecorderEndpoint recorder;
    Path file;
    Instant recordingSince;

    Leg(String party, WebRtcEndpoint endpoint) {
      this.party = party;
      this.endpoint = endpoint;
    }
  }

  private final class KurentoCall implements CallMedia {
    final String callId;
    final MediaPipeline pipeline;
    final MediaListener listener;
    final boolean record;
    final Map<String, Leg> legs = new LinkedHashMap<>();
    volatile boolean failed;
    List<RecordingFile> closed;

    KurentoCall(String callId, MediaPipeline pipeline, MediaListener listener, boolean record) {
      this.callId = callId;
      this.pipeline = pipeline;
      this.listener = listener;
      this.record = record;
    }

    void addParty(String party) {
      WebRtcEndpoint ep = new WebRtcEndpoint.Builder(pipeline).build();
      ep.setName(callId + "/" + party);
      settings.stunAddress().ifPresent(ep::setStunServerAddress);
      if (settings.stunAddress().isPresent()) {
        ep.setStunServerPort(settings.stunPort());
      }
      settings.turnUrl().get().ifPresent(ep::setTurnUrl);
      ep.addIceCandidateFoundListener(
          e -> {
            IceCandidate c = e.getCandidate();
            listener.candidate(
                party, new RelayCandidate(c.getCandidate(), c.getSdpMid(), c.getSdpMLineIndex()));
          });
      ep.addMediaFlowInStateChangedListener(
          e -> {
            if ("FLOWING".equals(String.valueOf(e.getState()))) {
              listener.flowing(party);
            }
          });
      legs.put(party, new Leg(party, ep));
    }

    /**
     * Records what {@code leg}'s party sends, as its offer {@code sdp} says: both kinds, or the one
     * it sends (a profile naming a kind that never comes would leave the file empty).
     */
    void record(Leg leg, String sdp) {
      Optional<MediaProfileSpecType> profile = SentKinds.profile(sdp);
      if (profile.isEmpty()) {
        LOG.info("call {}: {} sends no media yet; nothing to record", callId, leg.party);
        return; // a later offer that sends media starts the recording
      }
      leg.recordingTried = true;
      Path file = uniqueFile(leg.party);
      leg.file = file;
      leg.recorder =
          new RecorderEndpoint.Builder(pipeline, file.toUri().toString())
              .withMediaProfile(profile.get())
              .build();
      leg.endpoint.connect(leg.recorder);
      leg.recorder.record();
      leg.recordingSince = Instant.now();
    }

    /**
     * {@link #record}, but a recorder that fails (its file cannot be opened, the media server
     * refuses it) never fails the call: the party is left unrecorded, and the catalogue lists its
     * recording as failed.
     */
    void recordOrLetGo(Leg leg, String sdp) {
      try {
        record(leg, sdp);
      } catch (RuntimeException e) {
        LOG.warn(
            "call {}: cannot record {} ({}); the call goes on without its recording",
            callId,
            leg.party,
            e.toString());
        RecorderEndpoint failed = leg.recorder;
        leg.recorder = null;
        if (failed != null) {
          try {
            failed.release();
          } catch (RuntimeException gone) {
            LOG.debug("recorder of {} in call {} already gone", leg.party, callId, gone);
          }
        }
      }
    }

    /** A new file from the settings' namer, as an absolute path. */
    private Path uniqueFile(String party) {
      return settings.newRecordingFile().apply(callId, party).toAbsolutePath().normalize();
    }

    @Override
    public String offer(String party, String sdp) {
      Leg leg = legs.get(party);
      if (leg == null) {
        throw new MediaException("no such party " + party + " in call " + callId, null);
      }
      try {
        String answer = leg.endpoint.processOffer(sdp);
        if (record && !leg.recordingTried) {
          recordOrLetGo(leg, sdp); // the first offer that sends media
        }
        List<RelayCandidate> buffered;
        synchronized (leg) {
          leg.offered = true;
          buffered = List.copyOf(leg.early);
          leg.early.clear();
        }
        for (RelayCandidate c : buffered) {
          add(leg, c);
        }
        leg.endpoint.gatherCandidates();
        return answer;
      } catch (KurentoServerException e) {
        boolean refused = e.getCode() >= 40200 && e.getCode() < 40300;
        throw new MediaException(
            refused
                ? "the media relay refused the offer (" + e.getServerMessage() + ")"
                : "the media server failed on the offer of " + party,
            e,
            refused);
      } catch (RuntimeException e) {
        throw new MediaException("the media server failed on the offer of " + party, e);
      }
    }

    @Override
    public void candidate(String party, RelayCandidate candidate) {
      Leg leg = legs.get(party);
      if (leg == null || candidate == null) {
        return;
      }
      synchronized (leg) {
        if (!leg.offered) {
          leg.early.add(candidate); // arrived before the offer: keep it for later
          return;
        }
      }
      add(leg, candidate);
    }

    private void add(Leg leg, RelayCandidate c) {
      try {
        leg.endpoint.addIceCandidate(
            new IceCandidate(c.candidate(), c.sdpMid(), c.sdpMLineIndex()));
      } catch (RuntimeException e) {
        LOG.debug("candidate refused by the media server for call {}", callId, e);
      }
    }

    void fail(String why) {
      if (failed) {
        return;
      }
      failed = true;
      LOG.warn("call {} lost its media: {}", callId, why);
      listener.failed(why);
    }

    @Override
    public synchronized List<RecordingFile> close() {
      if (closed != null) {
        return closed;
      }
      calls.remove(callId);
      List<RecordingFile> files = new ArrayList<>();
      for (Leg leg : legs.values()) {
        if (leg.recorder == null) {
          if (record) {
            // Never recorded (no offer reached the relay, or it sent nothing): still one entry
            // per party, for a file that does not exist, so the catalogue shows the gap.
            Path missing = leg.file != null ? leg.file : uniqueFile(leg.party);
            files.add(new RecordingFile(leg.party, missing, Instant.now(), failed));
          }
          continue;
        }
        boolean partial = failed;
        if (!failed) {
          try {
            leg.recorder.stopAndWait();
          } catch (RuntimeException e) {
            LOG.warn("recorder of {} in call {} did not stop cleanly", leg.party, callId, e);
            partial = true;
          }
        }
        files.add(new RecordingFile(leg.party, leg.file, leg.recordingSince, partial));
      }
      if (!failed) {
        try {
          pipeline.release();
        } catch (RuntimeException e) {
          LOG.debug("pipeline of call {} already gone", callId, e);
        }
      }
      closed = List.copyOf(files);
      return closed;
    }
  }

  @Override
  public void close() {
    shuttingDown = true;
    for (KurentoCall c : List.copyOf(calls.values())) {
      c.close();
    }
    timers.shutdownNow();
    connector.shutdownNow();
    kurento.destroy();
  }
}
