package dev.duet.media;

/** An ICE candidate on its way to or from the media relay. */
public record RelayCandidate(String candidate, String sdpMid, int sdpMLineIndex) {}
