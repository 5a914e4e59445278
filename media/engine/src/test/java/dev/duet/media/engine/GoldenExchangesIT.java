package dev.duet.media.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replays golden JSON-RPC exchanges (src/test/resources/golden) against the engine over a raw
 * WebSocket and compares every frame with KMS's shapes: exact keys, exact values, and {@code
 * ${name}} placeholders that capture a value the first time and must repeat it afterwards.
 */
class GoldenExchangesIT {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(\\w+)}");
  private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
  private static final Map<String, String> SHAPES =
      Map.of(
          "session",
          UUID,
          "server",
          UUID,
          "subscription",
          UUID,
          "pipeline",
          UUID + "_kurento\\.MediaPipeline",
          "ep1",
          UUID + "_kurento\\.MediaPipeline/" + UUID + "_kurento\\.WebRtcEndpoint",
          "ep2",
          UUID + "_kurento\\.MediaPipeline/" + UUID + "_kurento\\.WebRtcEndpoint",
          "timestamp",
          "[0-9]{13}");

  @TempDir Path recordings;

  @Test
  void sessionObjectsEventsAndErrorsMatchKmsShapes() throws Exception {
    replay("golden/session-objects-events-errors.json");
  }

  private void replay(String resource) throws Exception {
    JsonArray steps;
    try (InputStream in = GoldenExchangesIT.class.getResourceAsStream("/" + resource)) {
      steps =
          JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
              .getAsJsonArray();
    }
    try (MediaEngine engine =
        MediaEngine.start(EngineConfig.defaults().withPort(0).withRecordingsRoot(recordings))) {
      BlockingQueue<String> frames = new LinkedBlockingQueue<>();
      HttpClient http = HttpClient.newHttpClient();
      WebSocket ws =
          http.newWebSocketBuilder()
              .buildAsync(
                  engine.uri(),
                  new WebSocket.Listener() {
                    private final StringBuilder partial = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                      partial.append(data);
                      if (last) {
                        frames.add(partial.toString());
                        partial.setLength(0);
                      }
                      w.request(1);
                      return null;
                    }
                  })
              .get(5, TimeUnit.SECONDS);
      Map<String, String> captured = new HashMap<>();
      for (JsonElement stepElement : steps) {
        JsonObject step = stepElement.getAsJsonObject();
        JsonElement send = step.get("send");
        String text =
            send.isJsonPrimitive() ? send.getAsString() : substitute(send.toString(), captured);
        ws.sendText(text, true).get(5, TimeUnit.SECONDS);
        for (JsonElement expected : step.getAsJsonArray("expect")) {
          String frame = frames.poll(10, TimeUnit.SECONDS);
          assertThat(frame).as("reply to " + text).isNotNull();
          match(expected, JsonParser.parseString(frame), captured, "$ (reply to " + text + ")");
        }
      }
      assertThat(frames.poll(200, TimeUnit.MILLISECONDS)).as("no unexpected frame").isNull();
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
    }
  }

  private static String substitute(String template, Map<String, String> captured) {
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = captured.get(m.group(1));
      if (value == null) {
        throw new AssertionError("placeholder ${" + m.group(1) + "} used before it was captured");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static void match(
      JsonElement expected, JsonElement actual, Map<String, String> captured, String path) {
    if (expected.isJsonObject()) {
      assertThat(actual.isJsonObject()).as(path + " is an object: " + actual).isTrue();
      JsonObject e = expected.getAsJsonObject();
      JsonObject a = actual.getAsJsonObject();
      assertThat(a.keySet()).as(path + " keys").isEqualTo(e.keySet());
      for (String key : e.keySet()) {
        match(e.get(key), a.get(key), captured, path + "." + key);
      }
    } else if (expected.isJsonArray()) {
      assertThat(actual.isJsonArray()).as(path + " is an array: " + actual).isTrue();
      JsonArray e = expected.getAsJsonArray();
      JsonArray a = actual.getAsJsonArray();
      assertThat(a.size()).as(path + " size").isEqualTo(e.size());
      for (int i = 0; i < e.size(); i++) {
        match(e.get(i), a.get(i), captured, path + "[" + i + "]");
      }
    } else if (expected.isJsonPrimitive() && expected.getAsJsonPrimitive().isString()) {
      String e = expected.getAsString();
      Matcher whole = PLACEHOLDER.matcher(e);
      if (whole.matches() && whole.group(1).equals("any")) {
        return;
      }
      assertThat(actual.isJsonPrimitive() && actual.getAsJsonPrimitive().isString())
          .as(path + " is a string: " + actual)
          .isTrue();
      String a = actual.getAsString();
      if (whole.matches()) {
        String name = whole.group(1);
        if (captured.containsKey(name)) {
          assertThat(a).as(path + " = ${" + name + "}").isEqualTo(captured.get(name));
        } else {
          assertThat(a)
              .as(path + " shape of ${" + name + "}")
              .matches(SHAPES.getOrDefault(name, ".+"));
          captured.put(name, a);
        }
      } else {
        assertThat(a).as(path).isEqualTo(substitute(e, captured));
      }
    } else {
      assertThat(actual).as(path).isEqualTo(expected);
    }
  }
}
