package dev.duet.protocol;

/** A server message with the sequence number its session's outbox gave it. */
public record Sequenced(long seq, ServerMessage message) {}
