package dev.duet.media.engine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Configuration of one engine instance. Build it with {@link #defaults()} and the {@code with...}
 * methods, or from the process environment with {@link #fromEnvironment(Map)}.
 *
 * @param bindHost address the WebSocket server listens on (default 127.0.0.1)
 * @param port TCP port of the WebSocket server; 0 picks a free port
 * @param recordingsRoot recorder URIs must be {@code file://} paths under this directory
 * @param minMediaPort lowest UDP port for ICE host candidates (0 = libnice default)
 * @param maxMediaPort highest UDP port for ICE host candidates (0 = libnice default)
 * @param mediaAddresses local addresses ICE gathers host candidates on; empty = every interface
 * @param sessionGrace how long a session's objects live after its last socket closed
 */
public record EngineConfig(
    String bindHost,
    int port,
    Path recordingsRoot,
    int minMediaPort,
    int maxMediaPort,
    List<String> mediaAddresses,
    Duration sessionGrace) {

  /** Default WebSocket port, the same as a Kurento Media Server's. */
  public static final int DEFAULT_PORT = 8888;

  public EngineConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    if (minMediaPort < 0 || maxMediaPort > 65535 || minMediaPort > maxMediaPort) {
      throw new IllegalArgumentException(
          "bad media port range: " + minMediaPort + "-" + maxMediaPort);
    }
    recordingsRoot = recordingsRoot.toAbsolutePath().normalize();
    mediaAddresses = List.copyOf(mediaAddresses);
  }

  /** Loopback, port 8888, recordings under ./recordings, libnice's ports, 240 s grace like KMS. */
  public static EngineConfig defaults() {
    return new EngineConfig(
        "127.0.0.1", DEFAULT_PORT, Path.of("recordings"), 0, 0, List.of(), Duration.ofSeconds(240));
  }

  /**
   * Reads {@code DUET_ENGINE_HOST}, {@code DUET_ENGINE_PORT}, {@code DUET_RECORDINGS_DIR}, {@code
   * DUET_MEDIA_PORTS} ("40000-40999"), {@code DUET_MEDIA_ADDRESSES} (comma separated) and {@code
   * DUET_ENGINE_SESSION_GRACE_SECONDS}; anything unset keeps its default.
   */
  public static EngineConfig fromEnvironment(Map<String, String> env) {
    EngineConfig c = defaults();
    Optional<String> host = value(env, "DUET_ENGINE_HOST");
    if (host.isPresent()) {
      c = c.withBindHost(host.get());
    }
    Optional<String> port = value(env, "DUET_ENGINE_PORT");
    if (port.isPresent()) {
      c = c.withPort(Integer.parseInt(port.get()));
    }
    Optional<String> dir = value(env, "DUET_RECORDINGS_DIR");
    if (dir.isPresent()) {
      c = c.withRecordingsRoot(Path.of(dir.get()));
    }
    Optional<String> ports = value(env, "DUET_MEDIA_PORTS");
    if (ports.isPresent()) {
      String[] range = ports.get().split("-", 2);
      if (range.length != 2) {
        throw new IllegalArgumentException("DUET_MEDIA_PORTS must look like 40000-40999");
      }
      c = c.withMediaPorts(Integer.parseInt(range[0].strip()), Integer.parseInt(range[1].strip()));
    }
    Optional<String> addresses = value(env, "DUET_MEDIA_ADDRESSES");
    if (addresses.isPresent()) {
      c =
          c.withMediaAddresses(
              List.of(addresses.get().split(",")).stream()
                  .map(String::strip)
                  .filter(s -> !s.isEmpty())
                  .toList());
    }
    Optional<String> grace = value(env, "DUET_ENGINE_SESSION_GRACE_SECONDS");
    if (grace.isPresent()) {
      c = c.withSessionGrace(Duration.ofSeconds(Long.parseLong(grace.get())));
    }
    return c;
  }

  private static Optional<String> value(Map<String, String> env, String name) {
    return Optional.ofNullable(env.get(name)).map(String::strip).filter(s -> !s.isEmpty());
  }

  public EngineConfig withBindHost(String host) {
    return new EngineConfig(
        host, port, recordingsRoot, minMediaPort, maxMediaPort, mediaAddresses, sessionGrace);
  }

  public EngineConfig withPort(int newPort) {
    return new EngineConfig(
        bindHost,
        newPort,
        recordingsRoot,
        minMediaPort,
        maxMediaPort,
        mediaAddresses,
        sessionGrace);
  }

  public EngineConfig withRecordingsRoot(Path root) {
    return new EngineConfig(
        bindHost, port, root, minMediaPort, maxMediaPort, mediaAddresses, sessionGrace);
  }

  public EngineConfig withMediaPorts(int min, int max) {
    return new EngineConfig(bindHost, port, recordingsRoot, min, max, mediaAddresses, sessionGrace);
  }

  public EngineConfig withMediaAddresses(List<String> addresses) {
    return new EngineConfig(
        bindHost, port, recordingsRoot, minMediaPort, maxMediaPort, addresses, sessionGrace);
  }

  public EngineConfig withSessionGrace(Duration grace) {
    return new EngineConfig(
        bindHost, port, recordingsRoot, minMediaPort, maxMediaPort, mediaAddresses, grace);
  }
}
