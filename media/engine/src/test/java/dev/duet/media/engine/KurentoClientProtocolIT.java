package dev.duet.media.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.testsupport.CuttingProxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kurento.client.ConnectionState;
import org.kurento.client.ElementConnectedEvent;
import org.kurento.client.IceCandidateFoundEvent;
import org.kurento.client.KurentoClient;
import org.kurento.client.KurentoConnectionListener;
import org.kurento.client.MediaPipeline;
import org.kurento.client.MediaProfileSpecType;
import org.kurento.client.MediaState;
import org.kurento.client.MediaType;
import org.kurento.client.RecorderEndpoint;
import org.kurento.client.WebRtcEndpoint;
import org.kurento.commons.exception.KurentoException;
import org.kurento.jsonrpc.JsonRpcErrorException;

/** The real kurento-client 7.2.0 drives the engine over its WebSocket. */
class KurentoClientProtocolIT {
  private static final String PIPELINE_ID = "[0-9a-f-]{36}_kurento\\.MediaPipeline";

  @TempDir Path recordings;
  private MediaEngine engine;
  private KurentoClient kurento;

  @BeforeAll
  static void clientTimeouts() {
    System.setProperty("kurento.client.requestTimeout", "10000");
  }

  @BeforeEach
  void start() throws Exception {
    engine = MediaEngine.start(config(0));
    kurento = KurentoClient.create(engine.uri().toString());
  }

  private EngineConfig config(int port) {
    return EngineConfig.defaults()
        .withPort(port)
        .withRecordingsRoot(recordings)
        .withSessionGrace(Duration.ofSeconds(30));
  }

  @AfterEach
  void stop() {
    if (kurento != null) {
      kurento.destroy();
    }
    if (engine != null) {
      engine.close();
    }
  }

  @Test
  void createsObjectsWithKmsIdsAndAnswersGetters() {
    MediaPipeline pipeline = kurento.createMediaPipeline();
    assertThat(pipeline.getId()).matches(PIPELINE_ID);
    WebRtcEndpoint ep = new WebRtcEndpoint.Builder(pipeline).build();
    assertThat(ep.getId())
        .startsWith(pipeline.getId() + "/")
        .matches(PIPELINE_ID + "/[0-9a-f-]{36}_kurento\\.WebRtcEndpoint");
    assertThat(ep.getName()).isEqualTo(ep.getId());
    ep.setName("caller-ep");
    assertThat(ep.getName()).isEqualTo("caller-ep");
    assertThat(ep.getMediaPipeline().getId()).isEqualTo(pipeline.getId());
    assertThat(pipeline.getChildren()).extracting(c -> c.getId()).containsExactly(ep.getId());
    assertThat(ep.getConnectionState()).isEqualTo(ConnectionState.DISCONNECTED);
    assertThat(ep.getMediaState()).isEqualTo(MediaState.DISCONNECTED);
    ep.setStunServerAddress("127.0.0.1");
    ep.setStunServerPort(3478);
    ep.setTurnUrl("1700000000:alice:secret@127.0.0.1:3478?transport=udp");
    assertThat(ep.getStunServerAddress()).isEqualTo("127.0.0.1");
    assertThat(ep.getStunServerPort()).isEqualTo(3478);
    assertThat(ep.getTurnUrl()).startsWith("1700000000:alice");
    ep.setMaxVideoRecvBandwidth(800);
    assertThat(ep.getMaxVideoRecvBandwidth()).isEqualTo(800);
    assertThat(ep.isMediaFlowingIn(MediaType.VIDEO)).isFalse();
    ep.addTag("call", "c-1");
    assertThat(ep.getTag("call")).isEqualTo("c-1");
    assertThat(kurento.getServerManager().getInfo().getVersion()).isEqualTo("7.2.0");
    pipeline.release();
    assertThat(engine.objectCount()).isZero();
  }

  @Test
  void answersTheOtherGettersInTheShapesKurentoClientReads() {
    MediaPipeline pipeline = kurento.createMediaPipeline();
    WebRtcEndpoint ep = new WebRtcEndpoint.Builder(pipeline).build();
    // No SDP yet: KMS's errors, not empty strings.
    assertThatThrownBy(ep::getLocalSessionDescriptor)
        .satisfies(e -> assertThat(code(e)).isEqualTo(40202));
    assertThatThrownBy(ep::getRemoteSessionDescriptor)
        .satisfies(e -> assertThat(code(e)).isEqualTo(40203));
    // An offer with nothing to relay is refused and leaves no remote SDP behind.
    assertThatThrownBy(() -> ep.processOffer("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"))
        .satisfies(e -> assertThat(code(e)).isEqualTo(40205));
    assertThatThrownBy(ep::getRemoteSessionDescriptor)
        .satisfies(e -> assertThat(code(e)).isEqualTo(40203));
    // Typed values kurento-client deserialises (a wrong type throws in the client).
    assertThat(ep.getDtlsConnectionState())
        .singleElement()
        .satisfies(
            d -> assertThat(d.getState()).isEqualTo(org.kurento.client.DtlsConnectionState.NEW));
    assertThat(ep.getNetworkInterfaces()).isEmpty();
    ep.setNetworkInterfaces("eth0");
    assertThat(ep.getNetworkInterfaces()).isEqualTo("eth0");
    ep.setExternalIPv4("198.51.100.7");
    assertThat(ep.getExternalIPv4()).isEqualTo("198.51.100.7");
    assertThat(ep.getExternalIPv6()).isEmpty();
    ep.setMtu(1300);
    assertThat(ep.getMtu()).isEqualTo(1300);
    String offer = ep.generateOffer();
    assertThat(ep.getLocalSessionDescriptor()).isEqualTo(offer);
    pipeline.release();
  }

  @Test
  void answersServerManagerQueriesAndDebugDumps() {
    org.kurento.client.ServerManager manager = kurento.getServerManager();
    assertThat(manager.getName()).isNotEmpty();
    assertThat(manager.getMetadata()).isNotNull();
    assertThat(manager.getUsedCpu(200)).isBetween(0f, 100f); // what a client balancing KMSs asks
    manager.addObjectCreatedListener(e -> {}); // accepted (not raised)
    MediaPipeline pipeline = kurento.createMediaPipeline();
    WebRtcEndpoint ep = new WebRtcEndpoint.Builder(pipeline).build();
    assertThat(pipeline.getGstreamerDot()).startsWith("digraph").contains("GstWebRTCBin");
    assertThat(ep.getGstreamerDot()).contains("GstWebRTCBin");
    RecorderEndpoint rec =
        new RecorderEndpoint.Builder(
                pipeline, recordings.resolve("bitrates.webm").toUri().toString())
            .build();
    assertThat(rec.getEncoderBitrate()).isEqualTo(300000);
    rec.setMaxEncoderBitrate(800);
    assertThat(rec.getMaxEncoderBitrate()).isEqualTo(800);
    pipeline.release();
  }

  @Test
  void raisesIceEventsAfterGatherCandidatesAndConnectionEvents() throws Exception {
    MediaPipeline pipeline = kurento.createMediaPipeline();
    WebRtcEndpoint a = new WebRtcEndpoint.Builder(pipeline).build();
    WebRtcEndpoint b = new WebRtcEndpoint.Builder(pipeline).build();
    BlockingQueue<IceCandidateFoundEvent> candidates = new LinkedBlockingQueue<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    CompletableFuture<ElementConnectedEvent> connected = new CompletableFuture<>();
    a.addIceCandidateFoundListener(candidates::add);
    a.addIceGatheringDoneListener(e -> done.complete(null));
    a.addElementConnectedListener(connected::complete);
    a.addMediaFlowInStateChangedListener(e -> {});
    a.addNewCandidatePairSelectedListener(e -> {});
    a.addErrorListener(e -> {});

    String offer = a.generateOffer();
    assertThat(offer).startsWith("v=0").contains("m=audio").contains("m=video").contains("VP8");
    assertThat(candidates.poll(300, TimeUnit.MILLISECONDS))
        .as("no candidate before gatherCandidates()")
        .isNull();
    a.gatherCandidates();
    IceCandidateFoundEvent first = candidates.poll(10, TimeUnit.SECONDS);
    assertThat(first).isNotNull();
    assertThat(first.getCandidate().getCandidate()).startsWith("candidate:").contains(" typ ");
    assertThat(first.getCandidate().getSdpMid()).isNotEmpty();
    assertThat(first.getTimestampMillis()).matches("[0-9]{13}");
    assertThat(first.getSource().getId()).isEqualTo(a.getId());
    done.get(15, TimeUnit.SECONDS);

    a.connect(b, MediaType.VIDEO);
    ElementConnectedEvent c = connected.get(5, TimeUnit.SECONDS);
    assertThat(c.getSink().getId()).isEqualTo(b.getId());
    assertThat(c.getMediaType()).isEqualTo(MediaType.VIDEO);
    assertThat(a.getSinkConnections()).hasSize(1);
    // A new source for b's video replaces a, which is told it was disconnected (as on KMS).
    WebRtcEndpoint other = new WebRtcEndpoint.Builder(pipeline).build();
    CompletableFuture<org.kurento.client.ElementDisconnectedEvent> replaced =
        new CompletableFuture<>();
    a.addElementDisconnectedListener(replaced::complete);
    other.connect(b, MediaType.VIDEO);
    org.kurento.client.ElementDisconnectedEvent d = replaced.get(5, TimeUnit.SECONDS);
    assertThat(d.getSink().getId()).isEqualTo(b.getId());
    assertThat(d.getMediaType()).isEqualTo(MediaType.VIDEO);
    assertThat(a.getSinkConnections()).isEmpty();
    assertThat(b.getSourceConnections())
        .singleElement()
        .satisfies(e -> assertThat(e.getSource().getId()).isEqualTo(other.getId()));
    other.disconnect(b);
    assertThat(other.getSinkConnections()).isEmpty();
    pipeline.release();
  }

  @Test
  void acceptsRemoteCandidatesBeforeTheOffer() {
    MediaPipeline pipeline = kurento.createMediaPipeline();
    WebRtcEndpoint ep = new WebRtcEndpoint.Builder(pipeline).build();
    ep.addIceCandidate(
        new org.kurento.client.IceCandidate(
            "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host", "0", 0));
    ep.addIceCandidate(
        new org.kurento.client.IceCandidate(
            "candidate:2 1 udp 2122260223 4f0c3e2a.local 50001 typ host", "0", 0));
    pipeline.release();
  }

  @Test
  void recorderRefusesUrisOutsideTheRecordingsRoot() {
    MediaPipeline pipeline = kurento.createMediaPipeline();
    assertThatThrownBy(
            () -> new RecorderEndpoint.Builder(pipeline, "file:///etc/passwd.webm").build())
        .isInstanceOf(KurentoException.class)
        .hasMessageContaining("outside the recordings directory");
    RecorderEndpoint ok =
        new RecorderEndpoint.Builder(pipeline, recordings.resolve("a/b.webm").toUri().toString())
            .withMediaProfile(MediaProfileSpecType.WEBM_AUDIO_ONLY)
            .build();
    assertThat(ok.getUri()).endsWith("a/b.webm");
    pipeline.release();
  }

  @Test
  void aRecordingThatCannotOpenItsFileFailsAloneAndTheRecorderStaysUsable() throws Exception {
    MediaPipeline pipeline = kurento.createMediaPipeline();
    java.nio.file.Files.createDirectories(recordings.resolve("taken.webm")); // a folder: unopenable
    RecorderEndpoint broken =
        new RecorderEndpoint.Builder(pipeline, recordings.resolve("taken.webm").toUri().toString())
            .build();
    assertThatThrownBy(broken::record)
        .isInstanceOf(KurentoException.class)
        .hasMessageContaining("Cannot record to");
    assertThat(broken.getState().toString()).isEqualTo("STOP");
    // The pipeline and a recorder beside it work on.
    RecorderEndpoint fine =
        new RecorderEndpoint.Builder(pipeline, recordings.resolve("fine.webm").toUri().toString())
            .build();
    fine.record();
    assertThat(fine.getState().toString()).isEqualTo("START");
    fine.stopAndWait();
    broken.release();
    fine.release();
    pipeline.release();
  }

  @Test
  void aStoppedRecorderDoesNotRecordAgainOverItsFile() throws Exception {
    MediaPipeline pipeline = kurento.createMediaPipeline();
    java.nio.file.Path file = recordings.resolve("once.webm");
    RecorderEndpoint rec = new RecorderEndpoint.Builder(pipeline, file.toUri().toString()).build();
    rec.record();
    rec.stopAndWait();
    long size = java.nio.file.Files.size(file);
    byte[] before = java.nio.file.Files.readAllBytes(file);
    rec.record(); // KMS ignores this too (a stopped recorder never starts again)
    assertThat(rec.getState().toString()).isEqualTo("STOP");
    rec.stopAndWait();
    assertThat(java.nio.file.Files.size(file)).isEqualTo(size);
    assertThat(java.nio.file.Files.readAllBytes(file)).isEqualTo(before);
    pipeline.release();
  }

  @Test
  void unknownAndReleasedObjectsGive40101ButReleasingThemAgainSucceeds() {
    MediaPipeline pipeline = kurento.createMediaPipeline();
    WebRtcEndpoint ep = new WebRtcEndpoint.Builder(pipeline).build();
    WebRtcEndpoint ghost =
        kurento.getById(
            pipeline.getId() + "/00000000-0000-0000-0000-000000000000_kurento.WebRtcEndpoint",
            WebRtcEndpoint.class);
    assertThatThrownBy(ghost::getName).satisfies(e -> assertThat(code(e)).isEqualTo(40101));
    pipeline.release();
    assertThatThrownBy(ep::getName).satisfies(e -> assertThat(code(e)).isEqualTo(40101));
    pipeline.release(); // released twice: fine, as on KMS (applications release in several places)
    ghost.release();
    // the session survives the errors
    assertThat(kurento.createMediaPipeline().getId()).matches(PIPELINE_ID);
  }

  @Test
  void reconnectsToTheSameSessionAfterASocketDrop() throws Exception {
    kurento.destroy();
    try (CuttingProxy proxy = new CuttingProxy(engine.port())) {
      Listener listener = new Listener();
      kurento = KurentoClient.create("ws://127.0.0.1:" + proxy.port() + MediaEngine.PATH, listener);
      MediaPipeline pipeline = kurento.createMediaPipeline();
      String session = kurento.getSessionId();
      proxy.closeAll(); // kurento-client reconnects after a closed socket
      assertThat(listener.reconnected.get(20, TimeUnit.SECONDS)).as("same server").isTrue();
      assertThat(kurento.getSessionId()).isEqualTo(session);
      assertThat(pipeline.getName()).isEqualTo(pipeline.getId());
      pipeline.release();
    }
  }

  @Test
  void reconnectAfterEngineRestartGetsANewSession() throws Exception {
    kurento.destroy();
    Listener listener = new Listener();
    kurento = KurentoClient.create(engine.uri().toString(), listener);
    MediaPipeline pipeline = kurento.createMediaPipeline();
    String session = kurento.getSessionId();
    int port = engine.port();
    engine.close();
    engine = MediaEngine.start(config(port));
    assertThat(listener.reconnected.get(20, TimeUnit.SECONDS)).as("same server").isFalse();
    assertThat(kurento.getSessionId()).isNotEqualTo(session);
    assertThatThrownBy(pipeline::getName).satisfies(e -> assertThat(code(e)).isEqualTo(40101));
    assertThat(kurento.createMediaPipeline().getId()).matches(PIPELINE_ID);
  }

  @Test
  void closeSessionReleasesTheSessionsPipelinesAtOnce() throws Exception {
    KurentoClient other = KurentoClient.create(engine.uri().toString());
    other.createMediaPipeline();
    kurento.createMediaPipeline();
    assertThat(engine.objectCount()).isEqualTo(2);
    other.destroy(); // closeSession
    awaitObjectCount(1);
  }

  /** The engine holds {@code n} objects, within 5 s: a closed session reaches it on its own. */
  private void awaitObjectCount(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (engine.objectCount() != n && System.nanoTime() < deadline) {
      Thread.sleep(10); // no event to await here
    }
    assertThat(engine.objectCount()).isEqualTo(n);
  }

  @Test
  void aPipelineAnotherSessionWorksWithOutlivesItsCreatorsSession() throws Exception {
    KurentoClient creator = KurentoClient.create(engine.uri().toString());
    MediaPipeline shared = creator.createMediaPipeline();
    WebRtcEndpoint ep = new WebRtcEndpoint.Builder(shared).build();
    creator.createMediaPipeline(); // the creator's alone
    // A second application picks the endpoint up by id and works with it: a reference, as on KMS.
    WebRtcEndpoint same = kurento.getById(ep.getId(), WebRtcEndpoint.class);
    same.setName("picked-up");
    assertThat(engine.objectCount()).isEqualTo(3);
    creator.destroy(); // closeSession: its own pipeline goes, the shared one stays
    awaitObjectCount(2);
    assertThat(same.getName()).isEqualTo("picked-up");
    kurento.getById(shared.getId(), MediaPipeline.class).release();
    assertThat(engine.objectCount()).isZero();
  }

  @Test
  void aDroppedSocketsPipelinesAreReleasedAfterTheGracePeriod() throws Exception {
    engine.close();
    engine = MediaEngine.start(config(0).withSessionGrace(Duration.ofMillis(300)));
    kurento.destroy();
    kurento = null;
    java.util.concurrent.BlockingQueue<String> replies = new LinkedBlockingQueue<>();
    java.net.http.WebSocket ws =
        java.net.http.HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .buildAsync(
                engine.uri(),
                new java.net.http.WebSocket.Listener() {
                  @Override
                  public java.util.concurrent.CompletionStage<?> onText(
                      java.net.http.WebSocket w, CharSequence data, boolean last) {
                    replies.add(data.toString());
                    w.request(1);
                    return null;
                  }
                })
            .get(5, TimeUnit.SECONDS);
    ws.sendText(
            "{\"id\":1,\"method\":\"create\",\"params\":{\"type\":\"MediaPipeline\","
                + "\"constructorParams\":{},\"properties\":{}},\"jsonrpc\":\"2.0\"}",
            true)
        .get(5, TimeUnit.SECONDS);
    assertThat(replies.poll(5, TimeUnit.SECONDS)).contains("_kurento.MediaPipeline");
    assertThat(engine.objectCount()).isEqualTo(1);
    ws.abort(); // no closeSession: the session waits out its grace period
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (engine.objectCount() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50); // polling the engine's state with a deadline
    }
    assertThat(engine.objectCount()).isZero();
    assertThat(engine.sessionCount()).isZero();
  }

  private static int code(Throwable e) {
    Throwable t = e;
    while (t != null) {
      if (t instanceof org.kurento.client.internal.server.KurentoServerException k) {
        return k.getCode();
      }
      if (t instanceof JsonRpcErrorException j) {
        return j.getCode();
      }
      t = t.getCause();
    }
    throw new AssertionError("not a server error", e);
  }

  private static final class Listener implements KurentoConnectionListener {
    final CompletableFuture<Boolean> reconnected = new CompletableFuture<>();

    @Override
    public void connected() {}

    @Override
    public void connectionFailed() {}

    @Override
    public void disconnected() {}

    @Override
    public void reconnected(boolean sameServer) {
      reconnected.complete(sameServer);
    }
  }
}
