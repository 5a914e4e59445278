package dev.duet.media.engine.element;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import dev.duet.media.engine.EngineConfig;
import dev.duet.media.engine.EngineException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A WebRtcEndpoint built directly in a real pipeline, without kurento-client. */
class WebRtcEndpointObjectIT {
  @TempDir Path recordings;

  @Test
  void anEndpointRefusedAtCreationIsNeverWatched() {
    MediaPipelineObject pipeline =
        new MediaPipelineObject(
            new EngineContext(
                EngineConfig.defaults().withRecordingsRoot(recordings),
                (source, type, data) -> {}));
    try {
      JsonObject both = new JsonObject();
      both.addProperty("recvonly", true);
      both.addProperty("sendonly", true);
      assertThatThrownBy(() -> new WebRtcEndpointObject(pipeline, Params.of(both)))
          .isInstanceOf(EngineException.class)
          .hasMessageContaining("exclusive");
      assertThat(watchedIn(pipeline)).as("the refused endpoint").isZero();

      var unused = new WebRtcEndpointObject(pipeline, Params.of(new JsonObject()));
      assertThat(watchedIn(pipeline)).as("a built endpoint").isOne();
    } finally {
      pipeline.release();
    }
  }

  private static long watchedIn(MediaPipelineObject pipeline) {
    return MediaElement.watched().stream().filter(e -> e.pipeline() == pipeline).count();
  }
}
