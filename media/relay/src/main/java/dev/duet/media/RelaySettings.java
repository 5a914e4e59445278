package dev.duet.media;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * How the relay reaches its media server and what it gives each endpoint.
 *
 * @param kurentoUrl the media server's JSON-RPC WebSocket ({@code ws://host:8888/kurento})
 * @param newRecordingFile a new, empty file for one party of a call ({@code (callId, party) ->
 *     path}), never one already used; the media server must see the same path
 * @param stunAddress STUN server for the endpoints (an IP address, as Kurento wants)
 * @param turnUrl TURN for each new endpoint in Kurento's form {@code
 *     user:password@host:port?transport=udp}, asked per call so short-lived credentials stay fresh
 * @param reconnectGrace how long a lost media server may take to come back before calls fail
 */
public record RelaySettings(
    String kurentoUrl,
    BiFunction<String, String, Path> newRecordingFile,
    Optional<String> stunAddress,
    int stunPort,
    Supplier<Optional<String>> turnUrl,
    Duration reconnectGrace) {}
