package dev.duet.media.engine.element;

import dev.duet.media.engine.EngineConfig;

/**
 * What elements need from the engine around them: its configuration and where to raise events.
 *
 * @param config the engine configuration
 * @param events where every object raises its events
 */
public record EngineContext(EngineConfig config, EventSink events) {}
