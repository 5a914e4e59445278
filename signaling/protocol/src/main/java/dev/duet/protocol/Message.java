package dev.duet.protocol;

/** A protocol v1 message: either {@link ClientMessage} or {@link ServerMessage}. */
public sealed interface Message permits ClientMessage, ServerMessage {}
