package dev.duet.protocol;

/** Limits the server enforces on a session, announced in {@code welcome}. */
public record Limits(
    Integer maxMessageBytes, Integer maxChatBytes, Integer messagesPerSecond, Integer outboxSize) {}
