package dev.duet.bench.media;

import dev.duet.testsupport.Chromium;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.kurento.client.IceCandidate;
import org.kurento.client.WebRtcEndpoint;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;

/** One headless Chromium page with fake camera and microphone (same flags as BrowserMediaIT). */
final class BrowserPeer implements AutoCloseable {
  private final Chromium chromium;
  private final ChromeDriver driver;

  BrowserPeer(String url) {
    chromium = Chromium.launch("bench");
    driver = chromium.driver();
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    driver.get(url);
  }

  Object async(String body, Object... args) {
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

  /** Kurento tutorial flow: browser offers, trickles to the endpoint, gets answer + candidates. */
  void negotiate(WebRtcEndpoint endpoint, EndpointEvents events) throws Exception {
    String offer = (String) async("return await window.makeOffer();");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> candidates =
        (List<Map<String, Object>>) async("return await window.takeCandidates();");
    for (Map<String, Object> c : candidates) {
      endpoint.addIceCandidate(
          new IceCandidate(
              (String) c.get("candidate"),
              (String) c.get("sdpMid"),
              ((Number) c.get("sdpMLineIndex")).intValue()));
    }
    String answer = endpoint.processOffer(offer);
    endpoint.gatherCandidates();
    List<Map<String, Object>> engineCandidates = events.awaitCandidates();
    async(
        "return await window.acceptAnswer(arguments[0], arguments[1]);", answer, engineCandidates);
  }

  String fullOffer() {
    return (String) async("return await window.makeFullOffer();");
  }

  String answerOffer(String sdp) {
    return (String) async("return await window.answerOffer(arguments[0]);", sdp);
  }

  void acceptAnswer(String sdp) {
    async("return await window.acceptAnswer(arguments[0], []);", sdp);
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> stats() {
    return (Map<String, Object>) async("return await window.videoStats();");
  }

  long framesDecoded() {
    return ((Number) stats().get("framesDecoded")).longValue();
  }

  @Override
  public void close() {
    chromium.close();
  }
}
