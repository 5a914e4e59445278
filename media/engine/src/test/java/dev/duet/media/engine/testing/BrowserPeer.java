package dev.duet.media.engine.testing;

import dev.duet.testsupport.Chromium;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.kurento.client.IceCandidate;
import org.kurento.client.WebRtcEndpoint;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * One headless Chromium page (media-page.html) with fake camera and microphone: negotiates with a
 * WebRtcEndpoint (the engine's tests and benchmark) or with Janus (the benchmark), and reads the
 * page's WebRTC stats.
 */
public final class BrowserPeer implements AutoCloseable {
  private final Chromium chromium;
  private final ChromeDriver driver;

  public BrowserPeer(String url) {
    chromium = Chromium.launch("peer");
    driver = chromium.driver();
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    driver.get(url);
  }

  private Object async(String body, Object... args) {
    String script =
        "const done = arguments[arguments.length - 1];"
            + "(async () => { "
            + body
            + " })().then(done, e => done('ERROR: ' + e));";
    Object r = ((JavascriptExecutor) driver).executeAsyncScript(script, args);
    if (r instanceof String s && s.startsWith("ERROR: ")) {
      throw new IllegalStateException("page: " + s);
    }
    return r;
  }

  /**
   * The tutorial flow: the browser offers; its candidates reach the endpoint before the offer is
   * processed; the answer and the endpoint's gathered candidates go back to the browser.
   */
  public void negotiate(WebRtcEndpoint endpoint, EndpointEvents events) throws Exception {
    negotiate(endpoint, events, "VP8");
  }

  /** As {@link #negotiate(WebRtcEndpoint, EndpointEvents)}, offering only {@code videoCodec}. */
  public void negotiate(WebRtcEndpoint endpoint, EndpointEvents events, String videoCodec)
      throws Exception {
    exchange(
        endpoint,
        events,
        (String) async("return await window.makeOffer(arguments[0]);", videoCodec));
  }

  /**
   * As {@link #negotiate(WebRtcEndpoint, EndpointEvents)}, with every address in the page's
   * candidates replaced by an mDNS name ({@code <uuid>.local}), as Chromium sends them from a page
   * without camera or microphone permission (headless Chromium here never does it by itself).
   *
   * @return the candidates the endpoint got
   */
  public List<String> negotiateWithMdnsNames(WebRtcEndpoint endpoint, EndpointEvents events)
      throws Exception {
    String offer = (String) async("return await window.makeOffer(arguments[0]);", "VP8");
    Exchanged x = exchange(endpoint, events, offer, BrowserPeer::mdnsName);
    // The endpoint cannot reach the page (it has no address of it): the page must check the
    // endpoint's candidates, so it must have every one, also those that came after
    // IceGatheringDone (kurento-client hands events over unordered). A real client trickles them;
    // so does this, until the page is connected.
    int sent = x.toPage();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    Object state;
    while (!List.of("connected", "completed")
        .contains(state = async("return await window.iceState();"))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "the page's ICE is " + state + " after 20 s, with " + sent + " endpoint candidates");
      }
      List<Map<String, Object>> late = events.candidatesFrom(sent);
      if (!late.isEmpty()) {
        async("return await window.addCandidates(arguments[0]);", late);
        sent += late.size();
      }
      Thread.sleep(100); // polling the page's ICE state with a deadline
    }
    return x.toEndpoint();
  }

  /** The candidate with its connection address (the fifth field) replaced by an mDNS name. */
  private static String mdnsName(String candidate) {
    String[] f = candidate.split(" ");
    f[4] = java.util.UUID.randomUUID() + ".local";
    return String.join(" ", f);
  }

  private void exchange(WebRtcEndpoint endpoint, EndpointEvents events, String offer)
      throws Exception {
    var unused = exchange(endpoint, events, offer, c -> c);
  }

  /**
   * What an exchange handed over: the page's candidates as the endpoint got them, and how many of
   * the endpoint's candidates the page got with the answer.
   */
  private record Exchanged(List<String> toEndpoint, int toPage) {}

  private Exchanged exchange(
      WebRtcEndpoint endpoint,
      EndpointEvents events,
      String offer,
      java.util.function.UnaryOperator<String> rewrite)
      throws Exception {
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> candidates =
        (List<Map<String, Object>>) async("return await window.takeCandidates();");
    List<String> sent = new java.util.ArrayList<>();
    for (Map<String, Object> c : candidates) {
      String candidate = rewrite.apply((String) c.get("candidate"));
      sent.add(candidate);
      endpoint.addIceCandidate(
          new IceCandidate(
              candidate, (String) c.get("sdpMid"), ((Number) c.get("sdpMLineIndex")).intValue()));
    }
    String answer = endpoint.processOffer(offer);
    endpoint.gatherCandidates();
    List<Map<String, Object>> engineCandidates = events.awaitCandidates();
    async(
        "return await window.acceptAnswer(arguments[0], arguments[1]);", answer, engineCandidates);
    return new Exchanged(sent, engineCandidates.size());
  }

  /** A complete (non-trickle) offer, candidates inside: Janus's flow. */
  public String fullOffer() {
    return (String) async("return await window.makeFullOffer();");
  }

  /** A complete answer to a remote offer (Janus's VideoCall callee). */
  public String answerOffer(String sdp) {
    return (String) async("return await window.answerOffer(arguments[0]);", sdp);
  }

  public void acceptAnswer(String sdp) {
    async("return await window.acceptAnswer(arguments[0], []);", sdp);
  }

  /** The page's stats: framesDecoded, audioPackets, framesSent, state. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> stats() {
    return (Map<String, Object>) async("return await window.videoStats();");
  }

  /** framesDecoded of the received video track (0 before any). */
  public long framesDecoded() {
    return ((Number) stats().get("framesDecoded")).longValue();
  }

  public boolean canSend(String videoCodec) {
    return Boolean.TRUE.equals(
        ((JavascriptExecutor) driver)
            .executeScript("return window.canSend(arguments[0]);", videoCodec));
  }

  /** The mime type of the video the page receives, e.g. {@code video/H264}. */
  public String receivedVideoCodec() {
    return (String) async("return await window.receivedVideoCodec();");
  }

  /** Asks the page to send a {@code width} x {@code height} picture from now on. */
  public void setVideoSize(int width, int height) {
    async("return await window.setVideoSize(arguments[0], arguments[1]);", width, height);
  }

  /** frameWidth of the video the page sends (0 before any). */
  public long sentFrameWidth() {
    return ((Number) async("return await window.sentFrameWidth();")).longValue();
  }

  /** framesEncoded of the video the page sends (0 before any). */
  public long framesSent() {
    return ((Number) stats().get("framesSent")).longValue();
  }

  public long audioPacketsReceived() {
    return ((Number) stats().get("audioPackets")).longValue();
  }

  @Override
  public void close() {
    chromium.close();
  }

  /** Waits until a browser figure (frames decoded, packets received) reaches {@code atLeast}. */
  public static void awaitAtLeast(String what, LongSupplier value, long atLeast, int seconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    long last = 0;
    while (System.nanoTime() < deadline) {
      last = value.getAsLong();
      if (last >= atLeast) {
        return;
      }
      Thread.sleep(200); // polling browser stats with a deadline
    }
    throw new AssertionError(what + ": " + last + " < " + atLeast + " after " + seconds + " s");
  }
}
