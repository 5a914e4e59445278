package dev.duet.media.engine.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.kurento.client.WebRtcEndpoint;

/** Records an endpoint's ICE and flow events as kurento-client delivers them. */
public final class EndpointEvents {
  private final List<Map<String, Object>> candidates =
      java.util.Collections.synchronizedList(new ArrayList<>());
  private final CompletableFuture<Void> gatheringDone = new CompletableFuture<>();
  public final CompletableFuture<Void> connected = new CompletableFuture<>();
  public final CompletableFuture<Void> videoFlowingIn = new CompletableFuture<>();
  public final CompletableFuture<Void> videoFlowingOut = new CompletableFuture<>();
  public final CompletableFuture<Void> videoStoppedFlowingOut = new CompletableFuture<>();
  public final CompletableFuture<org.kurento.client.IceCandidatePair> selectedPair =
      new CompletableFuture<>();

  public EndpointEvents(WebRtcEndpoint endpoint) {
    endpoint.addIceCandidateFoundListener(
        e ->
            candidates.add(
                Map.of(
                    "candidate", e.getCandidate().getCandidate(),
                    "sdpMid", e.getCandidate().getSdpMid(),
                    "sdpMLineIndex", e.getCandidate().getSdpMLineIndex())));
    endpoint.addIceGatheringDoneListener(e -> gatheringDone.complete(null));
    endpoint.addMediaFlowOutStateChangedListener(this::onFlowOut);
    endpoint.addNewCandidatePairSelectedListener(e -> selectedPair.complete(e.getCandidatePair()));
    endpoint.addConnectionStateChangedListener(
        e -> {
          if (e.getNewState() == org.kurento.client.ConnectionState.CONNECTED) {
            connected.complete(null);
          }
        });
    endpoint.addMediaFlowInStateChangedListener(
        e -> {
          if (e.getMediaType() == org.kurento.client.MediaType.VIDEO
              && e.getState() == org.kurento.client.MediaFlowState.FLOWING) {
            videoFlowingIn.complete(null);
          }
        });
  }

  private void onFlowOut(org.kurento.client.MediaFlowOutStateChangedEvent e) {
    if (e.getMediaType() != org.kurento.client.MediaType.VIDEO) {
      return;
    }
    if (e.getState() == org.kurento.client.MediaFlowState.FLOWING) {
      videoFlowingOut.complete(null);
    } else if (videoFlowingOut.isDone()) {
      videoStoppedFlowingOut.complete(null);
    }
  }

  /**
   * The candidates found by the time IceGatheringDone arrived. kurento-client hands events to
   * listeners unordered, so some may still come after it: see {@link #candidatesFrom}.
   */
  public List<Map<String, Object>> awaitCandidates() throws Exception {
    gatheringDone.get(20, TimeUnit.SECONDS);
    return candidatesFrom(0);
  }

  /** The candidates found so far, from the {@code index}th on. */
  public List<Map<String, Object>> candidatesFrom(int index) {
    synchronized (candidates) {
      return new ArrayList<>(
          candidates.subList(Math.min(index, candidates.size()), candidates.size()));
    }
  }
}
