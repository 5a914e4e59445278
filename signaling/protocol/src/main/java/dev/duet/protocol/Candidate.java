package dev.duet.protocol;

/** An ICE candidate as the browser's RTCIceCandidate.toJSON() gives it. */
public record Candidate(String candidate, @Opt String sdpMid, @Opt Integer sdpMLineIndex) {}
