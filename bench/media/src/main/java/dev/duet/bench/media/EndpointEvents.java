package dev.duet.bench.media;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.kurento.client.WebRtcEndpoint;

/** Collects an endpoint's ICE candidates until IceGatheringDone. */
final class EndpointEvents {
  private final ConcurrentLinkedQueue<Map<String, Object>> candidates =
      new ConcurrentLinkedQueue<>();
  private final CompletableFuture<Void> gatheringDone = new CompletableFuture<>();

  EndpointEvents(WebRtcEndpoint endpoint) {
    endpoint.addIceCandidateFoundListener(
        e ->
            candidates.add(
                Map.of(
                    "candidate", e.getCandidate().getCandidate(),
                    "sdpMid", e.getCandidate().getSdpMid(),
                    "sdpMLineIndex", e.getCandidate().getSdpMLineIndex())));
    endpoint.addIceGatheringDoneListener(e -> gatheringDone.complete(null));
  }

  List<Map<String, Object>> awaitCandidates() throws Exception {
    gatheringDone.get(20, TimeUnit.SECONDS);
    return new ArrayList<>(candidates);
  }
}
