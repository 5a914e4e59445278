package dev.duet.signaling.session;

import dev.duet.signaling.call.Outgoing;
import java.util.function.Consumer;

/**
 * Routes to the sessions of this node. Sessions whose outbox overflows are handed to a callback.
 */
public final class LocalRouter implements Router {
  private final SessionStore sessions;
  private final Consumer<Session> overflow;

  public LocalRouter(SessionStore sessions, Consumer<Session> overflow) {
    this.sessions = sessions;
    this.overflow = overflow;
  }

  @Override
  public void send(Outgoing o) {
    if (o.session().isPresent()) {
      sessions
          .find(o.session().get())
          .filter(s -> s.user().equals(o.user()))
          .ifPresent(s -> deliver(s, o));
      return;
    }
    for (Session s : sessions.ofUser(o.user())) {
      if (o.except().isEmpty() || !o.except().get().equals(s.id())) {
        deliver(s, o);
      }
    }
  }

  private void deliver(Session s, Outgoing o) {
    if (!s.enqueue(o.message())) {
      overflow.accept(s);
    }
  }
}
