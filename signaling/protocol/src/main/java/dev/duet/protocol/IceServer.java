package dev.duet.protocol;

import java.util.List;

/** One entry of RTCConfiguration.iceServers; TURN entries carry REST API credentials. */
public record IceServer(List<String> urls, @Opt String username, @Opt String credential) {}
