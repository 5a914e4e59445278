package dev.duet.media.engine.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.duet.media.engine.EngineException;
import dev.duet.media.engine.KmsError;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RpcFramesTest {
  @Test
  void parsesAKurentoClientRequest() {
    RpcRequest r =
        RpcRequest.parse(
            "{\"id\":4,\"method\":\"invoke\",\"params\":{\"object\":\"P\",\"operation\":\"getName\","
                + "\"sessionId\":\"S\"},\"jsonrpc\":\"2.0\"}");
    assertThat(r.id()).contains(new JsonPrimitive(4));
    assertThat(r.method()).isEqualTo("invoke");
    assertThat(r.string("sessionId")).contains("S");
    assertThat(r.object("operationParams").size()).isZero();
  }

  @Test
  void refusesMalformedFramesWithJsonRpcCodes() {
    assertThatThrownBy(() -> RpcRequest.parse("{oops"))
        .isInstanceOfSatisfying(
            EngineException.class, e -> assertThat(e.error()).isEqualTo(KmsError.PARSE_ERROR));
    assertThatThrownBy(() -> RpcRequest.parse("{\"id\":1,\"jsonrpc\":\"2.0\"}"))
        .isInstanceOfSatisfying(
            EngineException.class, e -> assertThat(e.error()).isEqualTo(KmsError.INVALID_REQUEST));
    assertThatThrownBy(() -> RpcRequest.parse("{\"id\":1,\"method\":\"ping\"}"))
        .isInstanceOfSatisfying(
            EngineException.class, e -> assertThat(e.error()).isEqualTo(KmsError.INVALID_REQUEST));
    assertThat(RpcRequest.idOf("{\"id\":7,\"method\":3}")).contains(new JsonPrimitive(7));
  }

  @Test
  void errorsHaveKmsShape() {
    JsonObject e =
        RpcReply.error(
            Optional.of(new JsonPrimitive(58)),
            KmsError.MEDIA_OBJECT_NOT_FOUND,
            "Object 'X' not found");
    assertThat(e.toString())
        .isEqualTo(
            "{\"jsonrpc\":\"2.0\",\"id\":58,\"error\":{\"code\":40101,"
                + "\"data\":{\"type\":\"MEDIA_OBJECT_NOT_FOUND\"},\"message\":\"Object 'X' not found\"}}");
    JsonObject rpc =
        RpcReply.error(Optional.empty(), KmsError.METHOD_NOT_FOUND, "Method not found");
    assertThat(rpc.toString())
        .isEqualTo(
            "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32601,\"message\":\"Method not found\"}}");
  }

  @Test
  void routesRequestsByThePipelineTheyWorkOn() {
    assertThat(request("invoke", "{\"object\":\"P1\",\"operation\":\"getName\"}").pipelineId())
        .contains("P1");
    assertThat(request("release", "{\"object\":\"P1/E7\"}").pipelineId()).contains("P1");
    assertThat(request("subscribe", "{\"object\":\"P2/E1\",\"type\":\"Recording\"}").pipelineId())
        .contains("P2");
    assertThat(
            request(
                    "create",
                    "{\"type\":\"WebRtcEndpoint\",\"constructorParams\":{\"mediaPipeline\":\"P3\"}}")
                .pipelineId())
        .contains("P3");
    assertThat(request("create", "{\"type\":\"MediaPipeline\"}").pipelineId()).isEmpty();
    assertThat(request("ping", "{}").pipelineId()).isEmpty();
    assertThat(request("invoke", "{\"object\":{\"bad\":1}}").pipelineId()).isEmpty();
  }

  private static RpcRequest request(String method, String params) {
    return RpcRequest.parse(
        "{\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + ",\"jsonrpc\":\"2.0\"}");
  }
}
