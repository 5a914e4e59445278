package dev.duet.protocol;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.JsonSyntaxException;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.StringReader;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.util.Map;

/**
 * The one JSON codec of protocol v1. Thread-safe and stateless.
 *
 * <p>Decoding ignores unknown fields, refuses unknown types ({@link ErrorCode#UNKNOWN_TYPE}) and
 * messages lacking a required field or carrying a mistyped one ({@link ErrorCode#BAD_REQUEST}).
 */
public final class Codec {
  /** Protocol version announced in {@code welcome}. */
  public static final int PROTOCOL_VERSION = 1;

  private static final Gson GSON =
      new GsonBuilder()
          .disableHtmlEscaping()
          .registerTypeAdapter(String.class, strict(Codec::string))
          .registerTypeAdapter(Boolean.class, strict(Codec::bool))
          .registerTypeAdapter(Long.class, strict(in -> number(in).longValueExact()))
          .registerTypeAdapter(Integer.class, strict(in -> number(in).intValueExact()))
          .create();
  private static final TypeAdapter<JsonElement> ELEMENT = new Gson().getAdapter(JsonElement.class);
  private static final Gson WRITER =
      new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

  private Codec() {}

  /** Decodes one client message. */
  public static ClientMessage decodeClient(String json) {
    JsonObject obj = parseObject(json);
    String id = idOf(obj);
    String type = typeOf(obj, id);
    ClientType t =
        ClientType.ofWire(type)
            .orElseThrow(
                () ->
                    new ProtocolException(
                        ErrorCode.UNKNOWN_TYPE, "unknown message type '" + type + "'", id));
    return read(obj, t.type(), id);
  }

  /**
   * The {@code id} of a client message, if it has a readable one, without decoding the rest: for an
   * error that refuses the message before decoding it (e.g. rate limiting). Never throws.
   */
  public static java.util.Optional<String> peekId(String json) {
    try {
      return java.util.Optional.ofNullable(idOf(parseObject(json)));
    } catch (ProtocolException e) {
      return java.util.Optional.empty();
    }
  }

  /** Decodes one client message from an already parsed JSON object (HTTP batch bodies). */
  public static ClientMessage decodeClient(JsonElement element) {
    if (!element.isJsonObject()) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "a message must be a JSON object", null);
    }
    return decodeClient(element.toString());
  }

  /** Decodes one server message with its sequence number (for clients and tests). */
  public static Sequenced decodeServer(String json) {
    JsonObject obj = parseObject(json);
    String type = typeOf(obj, null);
    ServerType t =
        ServerType.ofWire(type)
            .orElseThrow(
                () ->
                    new ProtocolException(
                        ErrorCode.UNKNOWN_TYPE, "unknown message type '" + type + "'", null));
    long seq = obj.has("seq") && !obj.get("seq").isJsonNull() ? obj.get("seq").getAsLong() : 0;
    return new Sequenced(seq, read(obj, t.type(), null));
  }

  /** Encodes a server message with its sequence number; {@code seq <= 0} leaves it out. */
  public static String encode(long seq, ServerMessage message) {
    JsonObject out = new JsonObject();
    out.add("type", new JsonPrimitive(ServerType.of(message).wire()));
    copyFields(message, out);
    if (message instanceof ServerMessage.IceCandidate c && c.candidate() == null) {
      out.add("candidate", JsonNull.INSTANCE);
    }
    if (seq > 0) {
      out.add("seq", new JsonPrimitive(seq));
    }
    return WRITER.toJson(out);
  }

  /** Encodes a client message (for Java clients and tests). */
  public static String encode(ClientMessage message) {
    JsonObject out = new JsonObject();
    out.add("type", new JsonPrimitive(ClientType.of(message).wire()));
    copyFields(message, out);
    if (message instanceof ClientMessage.IceCandidate c && c.candidate() == null) {
      out.add("candidate", JsonNull.INSTANCE);
    }
    return WRITER.toJson(out);
  }

  private static void copyFields(Message message, JsonObject out) {
    JsonObject fields = GSON.toJsonTree(message).getAsJsonObject();
    for (Map.Entry<String, JsonElement> e : fields.entrySet()) {
      out.add(e.getKey(), e.getValue());
    }
  }

  /**
   * Parses strict JSON (RFC 8259: no comments, unquoted names or single quotes) with nothing after
   * the value.
   *
   * @throws ProtocolException {@link ErrorCode#BAD_REQUEST} when it is not
   */
  public static JsonElement parseStrict(String json) {
    try {
      JsonReader reader = new JsonReader(new StringReader(json));
      reader.setLenient(false);
      JsonElement element = ELEMENT.read(reader);
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        throw new JsonSyntaxException("data after the message");
      }
      return element;
    } catch (JsonParseException | IllegalStateException | IOException e) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "malformed JSON", null);
    }
  }

  private static JsonObject parseObject(String json) {
    JsonElement element = parseStrict(json);
    if (!element.isJsonObject()) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "a message must be a JSON object", null);
    }
    return element.getAsJsonObject();
  }

  private static String idOf(JsonObject obj) {
    JsonElement id = obj.get("id");
    if (id == null || id.isJsonNull()) {
      return null;
    }
    if (!id.isJsonPrimitive()) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "'id' must be a string", null);
    }
    return id.getAsString();
  }

  private static String typeOf(JsonObject obj, String id) {
    JsonElement type = obj.get("type");
    if (type == null || !type.isJsonPrimitive() || !type.getAsJsonPrimitive().isString()) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "missing field 'type'", id);
    }
    return type.getAsString();
  }

  private static <T> T read(JsonObject obj, Class<T> type, String id) {
    T value;
    try {
      value = GSON.fromJson(obj, type);
    } catch (JsonParseException | IllegalArgumentException | IllegalStateException e) {
      String field = fieldOf(e);
      throw new ProtocolException(
          ErrorCode.BAD_REQUEST,
          field == null ? "a field has the wrong type" : "field '" + field + "' has the wrong type",
          id);
    }
    requireFields(value, id);
    return value;
  }

  /** The JSON path Gson's (or our strict adapters') message names, without "$.", if any. */
  private static final java.util.regex.Pattern AT_PATH =
      java.util.regex.Pattern.compile("(?:at|path) \\$\\.([A-Za-z0-9_.\\[\\]]+)");

  private static String fieldOf(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      java.util.regex.Matcher m = AT_PATH.matcher(String.valueOf(t.getMessage()));
      if (m.find()) {
        return m.group(1);
      }
    }
    return null;
  }

  private static void requireFields(Object value, String id) {
    RecordComponent[] components = value.getClass().getRecordComponents();
    if (components == null) {
      return;
    }
    for (RecordComponent c : components) {
      Object v;
      try {
        v = c.getAccessor().invoke(value);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
      if (v == null) {
        if (c.isAnnotationPresent(Opt.class)) {
          continue;
        }
        throw new ProtocolException(
            ErrorCode.BAD_REQUEST, "missing field '" + c.getName() + "'", id);
      }
      if (v instanceof Record nested) {
        requireFields(nested, id);
      } else if (v instanceof java.util.List<?> list) {
        for (Object e : list) {
          if (e instanceof Record nested) {
            requireFields(nested, id);
          }
        }
      }
    }
  }

  private static JsonToken expect(JsonReader in, JsonToken expected) throws IOException {
    JsonToken t = in.peek();
    if (t != expected) {
      throw new JsonSyntaxException(
          "expected " + expected + " but was " + t + " at " + in.getPath());
    }
    return t;
  }

  private static BigDecimal number(JsonReader in) throws IOException {
    expect(in, JsonToken.NUMBER);
    try {
      return new BigDecimal(in.nextString());
    } catch (NumberFormatException e) {
      throw new JsonSyntaxException("not a number at " + in.getPath(), e);
    }
  }

  /** Reads one value of a field's exact JSON type. */
  private interface Reader<T> {
    T read(JsonReader in) throws IOException;
  }

  /**
   * A null-safe adapter that refuses Gson's silent conversions ("yes" to false, 42 to "42", 1.5 to
   * 1): the JSON token must be of the field's own type.
   */
  private static <T> TypeAdapter<T> strict(Reader<T> reader) {
    return new TypeAdapter<T>() {
      @Override
      public void write(JsonWriter out, T value) throws IOException {
        if (value instanceof Number n) {
          out.value(n);
        } else if (value instanceof Boolean b) {
          out.value(b);
        } else {
          out.value(String.valueOf(value));
        }
      }

      @Override
      public T read(JsonReader in) throws IOException {
        try {
          return reader.read(in);
        } catch (ArithmeticException e) {
          throw new JsonSyntaxException("not an integer in range at " + in.getPath(), e);
        }
      }
    }.nullSafe();
  }

  private static String string(JsonReader in) throws IOException {
    expect(in, JsonToken.STRING);
    return in.nextString();
  }

  private static Boolean bool(JsonReader in) throws IOException {
    expect(in, JsonToken.BOOLEAN);
    return in.nextBoolean();
  }
}
