package dev.duet.signaling.call;

import dev.duet.protocol.ErrorCode;
import dev.duet.protocol.ServerMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * What one event did to the calls: the messages to send, in order, and the calls whose record
 * changed (the shell persists those).
 */
public record Transition(List<Outgoing> out, List<Call> changed) {

  public static Transition none() {
    return new Transition(List.of(), List.of());
  }

  /** An error reply to the sender only; no call changes. */
  public static Transition error(Party to, ErrorCode code, String message, String re) {
    return new Transition(
        List.of(Outgoing.to(to, ServerMessage.Error.of(code, message, re))), List.of());
  }

  /** True when this transition sends an error to the sender. */
  public boolean isError() {
    return out.size() == 1 && out.get(0).message() instanceof ServerMessage.Error;
  }

  /** Collects outgoing messages and changed calls. Not thread-safe; one per event. */
  static final class Builder {
    private final List<Outgoing> out = new ArrayList<>();
    private final List<Call> changed = new ArrayList<>();

    Builder send(Outgoing o) {
      out.add(o);
      return this;
    }

    Builder changed(Call c) {
      changed.add(c);
      return this;
    }

    Builder merge(Transition t) {
      out.addAll(t.out());
      changed.addAll(t.changed());
      return this;
    }

    Transition build() {
      return new Transition(List.copyOf(out), List.copyOf(changed));
    }
  }
}
