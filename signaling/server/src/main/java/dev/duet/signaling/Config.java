package dev.duet.signaling;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Duet's configuration, read from environment variables (see README). Secrets are held here and
 * never logged: {@link #toString()} masks them.
 */
public record Config(
    String host,
    int port,
    Path dataDir,
    boolean demo,
    Optional<String> jwtSecret,
    Optional<String> jwtPublicKey,
    Optional<String> jwtIssuer,
    Optional<String> jwtAudience,
    List<String> allowedOrigins,
    List<String> turnUrls,
    Optional<String> turnSecret,
    Duration turnTtl,
    Duration ringTimeout,
    Duration resumeGrace,
    Duration heartbeat,
    int maxMessageBytes,
    int maxChatBytes,
    int messagesPerSecond,
    int chatPerSecond,
    int invitesPerMinute,
    int outboxSize,
    long outboxBytes,
    int maxSessionsPerUser,
    Optional<String> dbUrl,
    Optional<String> dbUser,
    Optional<String> dbPassword,
    int dbPoolSize,
    Optional<Path> webRoot,
    boolean recordAll,
    boolean forceRelay,
    Optional<String> kurentoUrl,
    boolean mediaEngine,
    Path recordingsDir,
    Optional<String> mediaPorts,
    Optional<String> mediaAddresses,
    int recordingRetentionDays) {

  /** Reads the configuration from environment-style variables. */
  public Config {
    if (outboxSize < 16) {
      // A backlog round takes half the outbox and a call's set-up a dozen messages.
      throw new IllegalArgumentException(
          "DUET_OUTBOX_SIZE (" + outboxSize + ") must be 16 or more");
    }
    if (outboxBytes < 4L * maxMessageBytes) {
      throw new IllegalArgumentException(
          "DUET_OUTBOX_BYTES ("
              + outboxBytes
              + ") must hold at least four of the largest messages (4 x DUET_MAX_MESSAGE_BYTES = "
              + 4L * maxMessageBytes
              + ")");
    }
  }

  public static Config fromEnv(Map<String, String> env) {
    Path data = Path.of(env.getOrDefault("DUET_DATA_DIR", "data"));
    return new Config(
        env.getOrDefault("DUET_HOST", "127.0.0.1"),
        Integer.parseInt(env.getOrDefault("DUET_PORT", "8080")),
        data,
        bool(env.get("DUET_DEMO"), false),
        opt(env, "DUET_JWT_SECRET"),
        opt(env, "DUET_JWT_PUBLIC_KEY"),
        opt(env, "DUET_JWT_ISSUER"),
        opt(env, "DUET_JWT_AUDIENCE"),
        list(env.get("DUET_ALLOWED_ORIGINS")),
        list(env.get("DUET_TURN_URLS")),
        opt(env, "DUET_TURN_SECRET"),
        duration(env.getOrDefault("DUET_TURN_TTL", "1h")),
        duration(env.getOrDefault("DUET_RING_TIMEOUT", "30s")),
        duration(env.getOrDefault("DUET_RESUME_GRACE", "30s")),
        duration(env.getOrDefault("DUET_HEARTBEAT", "25s")),
        Integer.parseInt(env.getOrDefault("DUET_MAX_MESSAGE_BYTES", "65536")),
        Integer.parseInt(env.getOrDefault("DUET_MAX_CHAT_BYTES", "4096")),
        Integer.parseInt(env.getOrDefault("DUET_RATE_LIMIT", "50")),
        Math.max(1, Integer.parseInt(env.getOrDefault("DUET_CHAT_RATE_LIMIT", "20"))),
        Math.max(1, Integer.parseInt(env.getOrDefault("DUET_INVITE_RATE_LIMIT", "10"))),
        Integer.parseInt(env.getOrDefault("DUET_OUTBOX_SIZE", "2048")),
        Long.parseLong(env.getOrDefault("DUET_OUTBOX_BYTES", String.valueOf(8L << 20))),
        Math.max(1, Integer.parseInt(env.getOrDefault("DUET_MAX_SESSIONS_PER_USER", "16"))),
        opt(env, "DUET_DB_URL"),
        opt(env, "DUET_DB_USER"),
        opt(env, "DUET_DB_PASSWORD"),
        Math.max(1, Integer.parseInt(env.getOrDefault("DUET_DB_POOL_SIZE", "10"))),
        opt(env, "DUET_WEB_ROOT").map(Path::of),
        bool(env.get("DUET_RECORD_ALL"), false),
        "relay".equalsIgnoreCase(env.getOrDefault("DUET_MEDIA_MODE", "auto")),
        opt(env, "DUET_KURENTO_URL"),
        bool(env.get("DUET_MEDIA_ENGINE"), true),
        opt(env, "DUET_RECORDINGS_DIR").map(Path::of).orElse(data.resolve("recordings")),
        opt(env, "DUET_MEDIA_PORTS"),
        opt(env, "DUET_MEDIA_ADDRESSES"),
        Integer.parseInt(env.getOrDefault("DUET_RECORDING_RETENTION_DAYS", "0")));
  }

  /** Parses {@code 30s}, {@code 500ms}, {@code 2m}, {@code 1h}, {@code 3d} or plain seconds. */
  public static Duration duration(String s) {
    String v = s.trim().toLowerCase(Locale.ROOT);
    try {
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      long n = Long.parseLong(v.replaceAll("[smhd]$", ""));
      return switch (v.charAt(v.length() - 1)) {
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        case 'd' -> Duration.ofDays(n);
        default -> Duration.ofSeconds(n);
      };
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a duration: '" + s + "' (use 30s, 500ms, 2m, 1h)");
    }
  }

  private static Optional<String> opt(Map<String, String> env, String key) {
    String v = env.get(key);
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v);
  }

  private static boolean bool(String v, boolean dflt) {
    return v == null || v.isBlank() ? dflt : v.equalsIgnoreCase("true") || v.equals("1");
  }

  private static List<String> list(String v) {
    if (v == null || v.isBlank()) {
      return List.of();
    }
    return Arrays.stream(v.split("[,\\s]+")).filter(s -> !s.isBlank()).toList();
  }

  /** Masks secrets. */
  @Override
  public String toString() {
    return "Config[host="
        + host
        + ", port="
        + port
        + ", dataDir="
        + dataDir
        + ", demo="
        + demo
        + ", jwt="
        + (jwtPublicKey.isPresent()
            ? "public key"
            : jwtSecret.isPresent() ? "shared secret" : demo ? "demo secret" : "none")
        + ", turnUrls="
        + turnUrls
        + ", turnSecret="
        + (turnSecret.isPresent() ? "***" : "none")
        + ", db="
        + dbUrl.map(u -> u.replaceAll("password=[^&;]*", "password=***")).orElse("embedded H2")
        + ", media="
        + kurentoUrl.orElse(mediaEngine ? "embedded engine" : "none")
        + ", recordings="
        + recordingsDir
        + "]";
  }
}
