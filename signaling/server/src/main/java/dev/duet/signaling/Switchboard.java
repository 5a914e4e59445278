package dev.duet.signaling;

import dev.duet.common.Lanes;
import dev.duet.common.Periodic;
import dev.duet.common.Threads;
import dev.duet.media.CallMedia;
import dev.duet.media.MediaException;
import dev.duet.media.MediaListener;
import dev.duet.media.MediaRelay;
import dev.duet.media.RecordingFile;
import dev.duet.media.RelayCandidate;
import dev.duet.protocol.Candidate;
import dev.duet.protocol.ClientMessage;
import dev.duet.protocol.ClientType;
import dev.duet.protocol.CloseCode;
import dev.duet.protocol.Codec;
import dev.duet.protocol.EndReason;
import dev.duet.protocol.ErrorCode;
import dev.duet.protocol.Limits;
import dev.duet.protocol.ProtocolException;
import dev.duet.protocol.ServerMessage;
import dev.duet.signaling.auth.Principal;
import dev.duet.signaling.call.Call;
import dev.duet.signaling.call.CallBook;
import dev.duet.signaling.call.CallState;
import dev.duet.signaling.call.MediaPath;
import dev.duet.signaling.call.Outgoing;
import dev.duet.signaling.call.Party;
import dev.duet.signaling.call.Transition;
import dev.duet.signaling.session.Link;
import dev.duet.signaling.session.RateLimit;
import dev.duet.signaling.session.Router;
import dev.duet.signaling.session.Session;
import dev.duet.signaling.session.SessionStore;
import dev.duet.signaling.turn.TurnCredentials;
import dev.duet.store.CallRecord;
import dev.duet.store.CallStore;
import dev.duet.store.MessageStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shell around the pure call logic: takes decoded client messages from any transport, feeds
 * call events to the {@link CallBook}, hands chat to {@link Chat}, and routes what results to
 * sessions.
 *
 * <p>Threading rules:
 *
 * <ul>
 *   <li>All call events run on one thread, the <em>call loop</em>: the CallBook is never touched
 *       elsewhere. The loop only computes and enqueues; it never blocks on I/O.
 *   <li>All database work runs on one <em>store thread</em>, in submission order, so a user's chat
 *       messages are stored and delivered in the order they were sent.
 *   <li>Transport threads decode, rate-limit and hand over; acks and pings are answered inline
 *       (they touch only the sender's session).
 *   <li>Sending never happens under a lock: sessions enqueue, links pull.
 * </ul>
 */
public final class Switchboard implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Switchboard.class);
  private static final int PRESENCE_FANOUT = 100;

  /** The {@code from} of SDP and candidates that come from the media relay. */
  public static final String RELAY_PEER = "@relay";

  /** Messages refused in a row for rate before the connection is closed (4005). */
  private static final int ABUSE_THRESHOLD = 200;

  private final Config config;
  private final Clock clock;
  private final CallBook calls;
  private final SessionStore sessions;
  private final Router router;
  private final MessageStore messages;
  private final CallStore callStore;
  private final TurnCredentials turn;
  private final Metrics metrics;
  private final java.util.concurrent.ScheduledThreadPoolExecutor loop;

  /** The token-expiry timer of each attached link: cancelled when the link goes away. */
  private final Map<Link, java.util.concurrent.ScheduledFuture<?>> expiryTimers =
      new ConcurrentHashMap<>();

  private final ExecutorService store;
  private final Chat chat;
  // Checking a recording (ffprobe, a checksum of the whole file) takes seconds: never on the store
  // thread, where chat waits.
  private final ExecutorService cataloguer = singleThread("duet-cataloguer");
  private final Optional<MediaRelay> media;
  private final RecordingSink recordings;

  /**
   * Media-server requests block (kurento-client waits for each reply), so they run off the call
   * loop: each call's in its own lane of {@link #mediaTasks} (in order), calls side by side on this
   * pool.
   */
  private final java.util.concurrent.ThreadPoolExecutor mediaPool =
      new java.util.concurrent.ThreadPoolExecutor(
          MEDIA_THREADS,
          MEDIA_THREADS,
          30,
          TimeUnit.SECONDS,
          new java.util.concurrent.LinkedBlockingQueue<>(),
          Threads.daemon("duet-media"),
          Switchboard::dropWhenStopped);

  private static final int MEDIA_THREADS = 8;

  /** Each relayed call's media tasks, in order: one lane per call id. */
  private final Lanes mediaTasks = new Lanes(mediaPool, Integer.MAX_VALUE, "media task");

  /** Calls' media on the relay; a call's entry is touched only by its own media tasks. */
  private final Map<String, CallMedia> callMedia = new ConcurrentHashMap<>();

  // Candidates each party of a relayed call has sent ("callId party"): the relay keeps those that
  // come before the party's offer, so there must be a bound. Counted on the call loop, removed
  // with the call's media.
  private final Map<String, Integer> relayCandidates = new ConcurrentHashMap<>();

  /**
   * Candidates one party may send in one relayed call. A browser gathers a few per interface and
   * ICE restart; this is generous for real clients and bounds what a broken one can make the relay
   * hold.
   */
  static final int MAX_RELAY_CANDIDATES = 200;

  private final Map<String, RateLimit> messageRates = new ConcurrentHashMap<>();
  // Calls a user may start: DUET_INVITE_RATE_LIMIT at once, then that many a minute. Ringing
  // someone's every device over and over is abuse, and every invite writes a call record.
  private final Map<String, RateLimit> inviteRates = new ConcurrentHashMap<>();

  public Switchboard(
      Config config,
      Clock clock,
      CallBook calls,
      SessionStore sessions,
      java.util.function.Function<java.util.function.Consumer<Session>, Router> routerFactory,
      MessageStore messages,
      CallStore callStore,
      TurnCredentials turn,
      Metrics metrics,
      Optional<MediaRelay> media,
      RecordingSink recordings) {
    this.config = config;
    this.media = media;
    this.recordings = recordings;
    this.clock = clock;
    this.calls = calls;
    this.sessions = sessions;
    this.messages = messages;
    this.callStore = callStore;
    this.turn = turn;
    this.metrics = metrics;
    this.router = routerFactory.apply(this::overflowed);
    this.loop = new LoggingScheduler(Threads.daemon("duet-call-loop"));
    // At shutdown, pending timers (token expiry, grace) are dropped, not waited for.
    loop.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    // A cancelled timer must not keep its session (and the link's connection) until its time.
    loop.setRemoveOnCancelPolicy(true);
    this.store = singleThread("duet-store");
    this.chat =
        new Chat(
            config,
            clock,
            sessions,
            messages,
            router,
            store,
            loop,
            new Chat.Replies() {
              @Override
              public void send(Session session, ServerMessage message) {
                Switchboard.this.send(session, message);
              }

              @Override
              public void error(Session session, ErrorCode code, String message, String re) {
                replyError(session, code, message, re);
              }

              @Override
              public void overflowed(Session session) {
                Switchboard.this.overflowed(session);
              }
            });
    mediaPool.allowCoreThreadTimeOut(true); // no idle media threads on a server without relay
    long tick = Math.max(50, Math.min(1000, config.ringTimeout().toMillis() / 10));
    var unused =
        Periodic.every(
            loop, tick, tick, TimeUnit.MILLISECONDS, "call timers", () -> apply(calls.tick()));
    var unusedSweep =
        Periodic.every(
            loop, 30, 30, TimeUnit.SECONDS, "rate limit sweep", this::forgetRefilledLimits);
  }

  /**
   * Call loop: forgets the chat and invite limits of users without a session once they have
   * refilled (a new limit starts full, so nothing is lost), so the maps hold the users of the last
   * minutes, not every user ever.
   */
  private void forgetRefilledLimits() {
    long now = System.nanoTime();
    for (Map<String, RateLimit> rates : List.of(chat.rates(), inviteRates)) {
      rates.entrySet().removeIf(e -> e.getValue().fullAt(now) && !sessions.online(e.getKey()));
    }
  }

  /** The result of connecting: the session and the welcome to send before anything else. */
  public record Connected(Session session, String welcomeJson, boolean resumed) {}

  /**
   * Attaches a new transport connection: resumes the session a valid resume token names (every
   * frame after {@code lastSeq} is then sent again), or opens a fresh one.
   */
  public Connected connect(
      Principal principal, Optional<String> resumeToken, long lastSeq, Link link) {
    Optional<SessionStore.Resumed> resumed =
        resumeToken.flatMap(t -> sessions.resume(t, principal.user(), link, lastSeq));
    boolean fresh = resumed.isEmpty();
    Session session = fresh ? sessions.create(principal) : resumed.get().session();
    boolean firstOfUser = fresh && sessions.ofUser(principal.user()).size() == 1;
    messageRates.computeIfAbsent(
        session.id(), id -> new RateLimit(config.messagesPerSecond(), System.nanoTime()));
    if (session.ended()) {
      messageRates.remove(session.id()); // a resume that raced the session's end: none kept
    }
    // A resume attached the link together with the token its welcome carries.
    Session.Attached attached =
        fresh ? session.attach(link, 0) : resumed.get().resumed().attached();
    String token = fresh ? session.resumeToken() : resumed.get().resumed().token();
    String welcome = Codec.encode(0, welcome(session, token, !fresh));
    attached.replaced().ifPresent(old -> old.close(CloseCode.REPLACED, "resumed elsewhere"));
    closeWhenTokenExpires(session, link, principal);
    chat.delivered(session, attached.acked());
    if (fresh) {
      loop.execute(
          () -> {
            for (ServerMessage m : calls.ringingFor(principal.user())) {
              send(session, m);
            }
            trimSessions(principal.user(), session);
          });
      chat.opened(session);
      if (firstOfUser) {
        announcePresence(principal.user(), true);
      }
    }
    LOG.info(
        "session {} user={} {} via {}",
        session.id(),
        principal.user(),
        fresh ? "opened" : "resumed",
        link.transport());
    return new Connected(session, welcome, !fresh);
  }

  private ServerMessage.Welcome welcome(Session session, String resumeToken, boolean resumed) {
    return new ServerMessage.Welcome(
        session.id(),
        resumeToken,
        session.user(),
        Codec.PROTOCOL_VERSION,
        resumed,
        config.heartbeat().toMillis(),
        config.resumeGrace().toMillis(),
        turn.iceServers(session.user()),
        new Limits(
            config.maxMessageBytes(),
            config.maxChatBytes(),
            config.messagesPerSecond(),
            config.outboxSize()));
  }

  /**
   * A link lives no longer than the token it was opened with: at expiry it is closed with 4004; the
   * session waits in grace for the client to resume with a fresh token.
   */
  private void closeWhenTokenExpires(Session session, Link link, Principal principal) {
    long millis = principal.expiresAt().toEpochMilli() - clock.millis();
    expiryTimers.put(
        link,
        loop.schedule(
            () -> {
              expiryTimers.remove(link);
              if (session.link().filter(l -> l == link).isPresent()) {
                link.close(CloseCode.TOKEN_EXPIRED, "token expired");
              }
            },
            Math.max(0, millis),
            TimeUnit.MILLISECONDS));
  }

  /** A link went away: the session waits {@code resumeGrace} for a resume, then ends. */
  public void disconnected(Session session, Link link) {
    Instant now = clock.instant();
    java.util.concurrent.ScheduledFuture<?> expiry = expiryTimers.remove(link);
    if (expiry != null) {
      expiry.cancel(false);
    }
    if (!session.detach(link, now) || loop.isShutdown()) {
      return;
    }
    loop.schedule(
        () -> {
          Optional<Instant> since = session.detachedSince();
          if (since.isPresent()
              && !session.ended()
              && !clock.instant().isBefore(since.get().plus(config.resumeGrace()))) {
            end(session, "grace expired");
          } else if (since.isPresent() && !session.ended()) {
            disconnectedLater(session);
          }
        },
        config.resumeGrace().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void disconnectedLater(Session session) {
    Instant since = session.detachedSince().orElse(clock.instant());
    long wait = Math.max(1, since.plus(config.resumeGrace()).toEpochMilli() - clock.millis());
    loop.schedule(
        () -> {
          if (session.detachedSince().isPresent() && !session.ended()) {
            end(session, "grace expired");
          }
        },
        wait,
        TimeUnit.MILLISECONDS);
  }

  /**
   * Call loop: a user past {@link Config#maxSessionsPerUser()} sessions loses the oldest ones,
   * detached before attached (4006 on an attached link). Each session holds an outbox, a copy of
   * every message to its user and the stored backlog: without a cap one token opening sessions in a
   * loop (a poll without session= opens one) multiplies what every message costs.
   */
  private void trimSessions(String user, Session newest) {
    List<Session> mine = new ArrayList<>(sessions.ofUser(user));
    int excess = mine.size() - config.maxSessionsPerUser();
    if (excess <= 0) {
      return;
    }
    mine.remove(newest);
    mine.sort(
        Comparator.comparing((Session s) -> s.detachedSince().isEmpty())
            .thenComparing(s -> s.detachedSince().orElse(Instant.MAX))
            .thenComparing(Session::createdAt));
    for (Session s : mine.subList(0, Math.min(excess, mine.size()))) {
      end(s, "over " + config.maxSessionsPerUser() + " sessions for its user");
    }
  }

  /** Ends a session for good: its calls end with connection_lost. Runs on the call loop. */
  private void end(Session session, String why) {
    if (session.ended()) {
      return;
    }
    sessions.remove(session);
    messageRates.remove(session.id());
    LOG.info("session {} user={} ended: {}", session.id(), session.user(), why);
    apply(calls.sessionGone(new Party(session.user(), session.id())));
    if (!sessions.online(session.user())) {
      // The user's chat and invite limits stay until they refill (see forgetRefilledLimits):
      // ending every session and reconnecting must not reset them.
      announcePresence(session.user(), false);
    }
  }

  private void overflowed(Session session) {
    LOG.warn("session {} outbox overflow: closing", session.id());
    session.link().ifPresent(l -> l.close(CloseCode.OUTBOX_OVERFLOW, "outbox overflow"));
    loop.execute(() -> end(session, "outbox overflow"));
  }

  /**
   * One text message from a client on {@code link} (a WebSocket). Never throws: mistakes become
   * error replies. A frame on the attached link shows the client got that link's welcome, so the
   * token it resumed with is spent; a frame on a replaced link, or a POST, shows nothing.
   */
  public void onText(Session session, Link link, String text) {
    sessions.confirmed(session, link);
    handleText(session, text).ifPresent(e -> send(session, e));
  }

  /**
   * Handles one text message and returns the error it earned, if any, instead of queueing it: the
   * HTTP transports answer such direct replies in the response to {@code POST /send}.
   */
  public Optional<ServerMessage.Error> handleText(Session session, String text) {
    metrics.messageIn();
    if (session.ended()) {
      return Optional.empty();
    }
    RateLimit rate = messageRates.get(session.id());
    if (rate != null && !rate.tryAcquire(System.nanoTime())) {
      if (rate.refusedInARow() > ABUSE_THRESHOLD) {
        session.link().ifPresent(l -> l.close(CloseCode.RATE_LIMIT_ABUSE, "rate limit abuse"));
        return Optional.empty();
      }
      // With the refused message's id, so a client (a batch above all) knows which one to resend.
      return Optional.of(
          error(
              ErrorCode.RATE_LIMITED,
              "too many messages; slow down",
              Codec.peekId(text).orElse(null)));
    }
    ClientMessage message;
    try {
      message = Codec.decodeClient(text);
    } catch (ProtocolException e) {
      return Optional.of(error(e.code(), e.getMessage(), e.re()));
    }
    try {
      dispatch(session, message);
    } catch (RuntimeException e) {
      LOG.error(
          "failed to handle {} from session {}", ClientType.of(message).wire(), session.id(), e);
      return Optional.of(error(ErrorCode.INTERNAL, "internal error", message.id()));
    }
    return Optional.empty();
  }

  /** A cumulative ack that arrived outside a message (the {@code after} of a poll). */
  public void ack(Session session, long seq) {
    chat.delivered(session, session.ack(seq));
  }

  /** The live session {@code sessionId} if it belongs to {@code user}. */
  public Optional<Session> sessionOf(String sessionId, String user) {
    return sessions.find(sessionId).filter(s -> s.user().equals(user) && !s.ended());
  }

  /** Heartbeat period announced to clients. */
  public java.time.Duration heartbeat() {
    return config.heartbeat();
  }

  private ServerMessage.Error error(ErrorCode code, String message, String re) {
    metrics.error(code.wire());
    return ServerMessage.Error.of(code, message, re);
  }

  /** A message already decoded (HTTP transports decode batches themselves). */
  public void onMessage(Session session, ClientMessage message) {
    dispatch(session, message);
  }

  private void dispatch(Session session, ClientMessage m) {
    Party me = new Party(session.user(), session.id());
    switch (ClientType.of(m)) {
      case ACK -> chat.delivered(session, session.ack(((ClientMessage.Ack) m).seq()));
      case PING -> send(session, new ServerMessage.Pong(m.id()));
      case CALL_INVITE -> {
        var c = (ClientMessage.CallInvite) m;
        RateLimit invites =
            inviteRates.computeIfAbsent(
                me.user(),
                u ->
                    new RateLimit(
                        config.invitesPerMinute() / 60.0,
                        config.invitesPerMinute(),
                        System.nanoTime()));
        if (!invites.tryAcquire(System.nanoTime())) {
          replyError(
              session,
              ErrorCode.RATE_LIMITED,
              "too many calls started; at most " + config.invitesPerMinute() + " a minute",
              c.id());
          return;
        }
        onLoop(
            session,
            m.id(),
            () -> calls.invite(me, c.callId(), c.to(), Boolean.TRUE.equals(c.record()), c.id()));
      }
      case CALL_RINGING -> {
        var c = (ClientMessage.CallRinging) m;
        onLoop(session, m.id(), () -> calls.ringing(me, c.callId(), c.id()));
      }
      case CALL_ACCEPT -> {
        var c = (ClientMessage.CallAccept) m;
        onLoop(session, m.id(), () -> calls.accept(me, c.callId(), c.id()));
      }
      case CALL_REJECT -> {
        var c = (ClientMessage.CallReject) m;
        onLoop(session, m.id(), () -> calls.reject(me, c.callId(), c.id()));
      }
      case CALL_HANGUP -> {
        var c = (ClientMessage.CallHangup) m;
        Optional<EndReason> reason = EndReason.ofHangup(c.reason());
        if (reason.isEmpty()) {
          replyError(
              session, ErrorCode.BAD_REQUEST, "reason must be hangup or media_failed", c.id());
          return;
        }
        onLoop(session, m.id(), () -> calls.hangup(me, c.callId(), reason.get(), c.id()));
      }
      case SDP_OFFER -> {
        var c = (ClientMessage.SdpOffer) m;
        if (checkSdp(session, c.sdp(), c.id())) {
          ServerMessage out = new ServerMessage.SdpOffer(c.callId(), c.sdp(), me.user());
          toLoop(
              session,
              c.id(),
              () -> {
                Optional<Call> relayed = relayedCall(me, c.callId());
                if (relayed.isPresent()) {
                  Call call = relayed.get();
                  mediaTask(call, () -> relayOffer(call, me, c));
                } else {
                  apply(calls.signal(me, c.callId(), out, false, c.id()));
                }
              });
        }
      }
      case SDP_ANSWER -> {
        var c = (ClientMessage.SdpAnswer) m;
        if (checkSdp(session, c.sdp(), c.id())) {
          ServerMessage out = new ServerMessage.SdpAnswer(c.callId(), c.sdp(), me.user());
          toLoop(
              session,
              c.id(),
              () -> {
                if (relayedCall(me, c.callId()).isPresent()) {
                  apply(
                      Transition.error(
                          me,
                          ErrorCode.INVALID_STATE,
                          "on the relay path the server answers: send sdp.offer",
                          c.id()));
                } else {
                  apply(calls.signal(me, c.callId(), out, true, c.id()));
                }
              });
        }
      }
      case ICE_CANDIDATE -> {
        var c = (ClientMessage.IceCandidate) m;
        Optional<String> problem = MediaChecks.candidateProblem(c.candidate());
        if (problem.isPresent()) {
          replyError(session, ErrorCode.BAD_REQUEST, problem.get(), c.id());
          return;
        }
        ServerMessage out = new ServerMessage.IceCandidate(c.callId(), c.candidate(), me.user());
        toLoop(
            session,
            c.id(),
            () -> {
              Optional<Call> relayed = relayedCall(me, c.callId());
              if (relayed.isPresent()) {
                if (c.candidate() != null) {
                  Call call = relayed.get();
                  int sent =
                      relayCandidates.merge(call.callId() + " " + me.user(), 1, Integer::sum);
                  if (sent > MAX_RELAY_CANDIDATES) {
                    apply(
                        Transition.error(
                            me,
                            ErrorCode.RATE_LIMITED,
                            "more than "
                                + MAX_RELAY_CANDIDATES
                                + " candidates in this call: this one is dropped",
                            c.id()));
                    return;
                  }
                  RelayCandidate rc =
                      new RelayCandidate(
                          c.candidate().candidate(),
                          c.candidate().sdpMid(),
                          c.candidate().sdpMLineIndex() == null
                              ? 0
                              : c.candidate().sdpMLineIndex());
                  mediaTask(call, () -> relayCandidate(call, me, rc));
                }
              } else {
                apply(calls.signal(me, c.callId(), out, false, c.id()));
              }
            });
      }
      case CALL_RELAY -> {
        var c = (ClientMessage.CallRelay) m;
        onLoop(session, m.id(), () -> calls.relay(me, c.callId(), relayAvailable(), c.id()));
      }
      case CHAT_SEND -> chat.send(session, (ClientMessage.ChatSend) m);
      case CHAT_READ -> chat.read(session, (ClientMessage.ChatRead) m);
    }
  }

  /** Without a media relay, a P2P failure ends the call with ice_failed. */
  private boolean relayAvailable() {
    return media.isPresent();
  }

  private boolean checkSdp(Session session, String sdp, String re) {
    Optional<String> problem = MediaChecks.sdpProblem(sdp);
    problem.ifPresent(p -> replyError(session, ErrorCode.BAD_REQUEST, p, re));
    return problem.isEmpty();
  }

  private void onLoop(Session session, String re, java.util.function.Supplier<Transition> event) {
    toLoop(session, re, () -> apply(event.get()));
  }

  /**
   * Runs a client message's work on the call loop; once the loop has stopped (the server is
   * stopping) the work is dropped and the client told so.
   */
  private void toLoop(Session session, String re, Runnable work) {
    if (loop.submit(work).isCancelled()) { // dropped: see dropWhenStopped
      replyError(session, ErrorCode.INTERNAL, "server shutting down", re);
    }
  }

  /** Sends a transition's messages and persists the calls it changed. Call loop only. */
  private void apply(Transition t) {
    for (Outgoing o : t.out()) {
      if (o.message() instanceof ServerMessage.Error e) {
        metrics.error(e.code());
      }
      router.send(o);
    }
    for (Call c : t.changed()) {
      store.execute(() -> saveCall(c));
      if (c.state() == CallState.ENDED && c.answeredAt().isPresent()) {
        metrics.answeredCallEnded(c.path().wire());
      }
      if (c.state() == CallState.ENDED && media.isPresent()) {
        mediaTask(c, () -> closeMedia(c));
      }
    }
  }

  /** The answered call of {@code me} when its media goes through the relay. Call loop only. */
  private Optional<Call> relayedCall(Party me, String callId) {
    if (media.isEmpty()) {
      return Optional.empty();
    }
    return calls.answeredCallOf(me, callId).filter(c -> c.path() == MediaPath.RELAY);
  }

  /** Runs {@code task} after the call's earlier media tasks (call loop). */
  private void mediaTask(Call call, Runnable task) {
    var unused = mediaTasks.submit(call.callId(), task); // no limit: always accepted
  }

  /** The call's media task: the call's pipeline, set up on first use. */
  private CallMedia mediaOf(Call call) {
    CallMedia cm = callMedia.get(call.callId());
    if (cm == null) {
      String callId = call.callId();
      cm =
          media
              .orElseThrow()
              .open(
                  callId,
                  List.of(call.caller().user(), call.callee()),
                  call.record(),
                  new MediaListener() {
                    @Override
                    public void candidate(String party, RelayCandidate c) {
                      loop.execute(() -> relayToParty(callId, party, c));
                    }

                    @Override
                    public void failed(String reason) {
                      loop.execute(() -> apply(calls.end(callId, EndReason.MEDIA_FAILED)));
                    }
                  });
      callMedia.put(callId, cm);
    }
    return cm;
  }

  /** The call's media task: a party's offer to the relay; the relay's answer goes back to it. */
  private void relayOffer(Call call, Party from, ClientMessage.SdpOffer offer) {
    try {
      String answer = mediaOf(call).offer(from.user(), offer.sdp());
      router.send(
          Outgoing.to(from, new ServerMessage.SdpAnswer(call.callId(), answer, RELAY_PEER)));
    } catch (MediaException e) {
      if (e.refusedInput()) {
        // The party's mistake (an SDP the relay cannot use): tell it; the call goes on.
        metrics.error(ErrorCode.BAD_REQUEST.wire());
        router.send(
            Outgoing.to(
                from, ServerMessage.Error.of(ErrorCode.BAD_REQUEST, e.getMessage(), offer.id())));
        return;
      }
      LOG.error("media relay failed for call {}", call.callId(), e);
      loop.execute(() -> apply(calls.end(call.callId(), EndReason.MEDIA_FAILED)));
    }
  }

  /** The call's media task: a party's candidate for its relay endpoint. */
  private void relayCandidate(Call call, Party from, RelayCandidate candidate) {
    try {
      mediaOf(call).candidate(from.user(), candidate);
    } catch (MediaException e) {
      LOG.error("media relay failed for call {}", call.callId(), e);
      loop.execute(() -> apply(calls.end(call.callId(), EndReason.MEDIA_FAILED)));
    }
  }

  /** Call loop: the relay's candidate goes to the party's device in the call. */
  private void relayToParty(String callId, String party, RelayCandidate c) {
    calls
        .find(callId)
        .ifPresent(
            call -> {
              Optional<Party> to =
                  party.equals(call.caller().user())
                      ? Optional.of(call.caller())
                      : call.calleeParty();
              to.ifPresent(
                  p ->
                      router.send(
                          Outgoing.to(
                              p,
                              new ServerMessage.IceCandidate(
                                  callId,
                                  new Candidate(c.candidate(), c.sdpMid(), c.sdpMLineIndex()),
                                  RELAY_PEER))));
            });
  }

  /**
   * The call's last media task: its pipeline is released and its recordings catalogued. Nothing is
   * queued for an ended call after this (the call loop only queues media work for answered calls).
   */
  private void closeMedia(Call call) {
    CallMedia cm = callMedia.remove(call.callId());
    relayCandidates.remove(call.callId() + " " + call.caller().user());
    call.calleeParty().ifPresent(p -> relayCandidates.remove(call.callId() + " " + p.user()));
    if (cm == null) {
      return;
    }
    List<RecordingFile> files;
    try {
      files = cm.close();
    } catch (RuntimeException e) {
      LOG.error("could not close the media of call {}", call.callId(), e);
      return;
    }
    if (!files.isEmpty()) {
      cataloguer.execute(
          () -> {
            try {
              awaitStoreQueue(); // the call's record is saved before its recordings link to it
              recordings.recorded(call, files);
            } catch (RuntimeException e) {
              LOG.error("could not catalogue the recordings of call {}", call.callId(), e);
            }
          });
    }
  }

  /**
   * Cataloguer thread: waits until what the store thread had queued has run (at most 30 s: a stuck
   * store must not stop cataloguing).
   */
  private void awaitStoreQueue() {
    try {
      store.submit(() -> {}).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | java.util.concurrent.CancellationException e) {
      LOG.warn("cataloguing without waiting for the store: {}", e.toString());
    }
  }

  private void saveCall(Call c) {
    try {
      // The call's own fields only: recordings are linked by the catalogue, after the call ends.
      callStore.saveState(
          new CallRecord(
              c.callId(),
              c.caller().user(),
              c.callee(),
              c.createdAt(),
              c.answeredAt(),
              c.endedAt(),
              c.endReason().map(r -> r.wire()),
              c.path().wire(),
              c.pathSwitchedAt(),
              c.record(),
              List.of()));
    } catch (RuntimeException e) {
      LOG.error("could not store call {}", c.callId(), e);
    }
  }

  /**
   * Tells the users who share a call or a conversation with {@code user} that it came online or
   * went offline. The call peer is read on the call loop at the moment of the change (so the order
   * against call events is fixed); correspondents come from the store.
   */
  private void announcePresence(String user, boolean online) {
    loop.execute(
        () -> {
          Set<String> interested = new LinkedHashSet<>();
          calls.callOf(user).ifPresent(c -> interested.add(c.peerOf(user)));
          store.execute(
              () -> {
                try {
                  interested.addAll(messages.correspondents(user, PRESENCE_FANOUT));
                } catch (RuntimeException e) {
                  LOG.error("could not load correspondents of a user", e);
                }
                ServerMessage p = new ServerMessage.Presence(user, online);
                for (String u : interested) {
                  router.send(Outgoing.toUser(u, p));
                }
              });
        });
  }

  private void send(Session session, ServerMessage message) {
    if (!session.enqueue(message)) {
      overflowed(session);
    }
  }

  private void replyError(Session session, ErrorCode code, String message, String re) {
    metrics.error(code.wire());
    send(session, ServerMessage.Error.of(code, message, re));
  }

  /** Presence of the named users. */
  public Map<String, Boolean> presence(List<String> users) {
    Map<String, Boolean> out = new TreeMap<>();
    for (String u : users) {
      out.put(u, sessions.online(u));
    }
    return out;
  }

  /**
   * Timers waiting on the call loop (diagnostics): the ring tick and the rate-limit sweep, grace
   * checks, token expiries of attached links, backlog retries. A link that went away leaves none
   * behind.
   */
  public int pendingTimers() {
    return loop.getQueue().size();
  }

  /** Whether {@link #close()} has begun: the server is stopping. */
  public boolean stopping() {
    return loop.isShutdown();
  }

  /** Live calls by state and ended calls by reason (metrics); asks the call loop. */
  public String renderMetrics() {
    try {
      return loop.submit(
              () -> {
                Map<String, Long> byState = new TreeMap<>();
                calls
                    .countByState()
                    .forEach((s, n) -> byState.put(s.name().toLowerCase(java.util.Locale.ROOT), n));
                Map<String, Long> ended = new TreeMap<>();
                calls.endCounts().forEach((r, n) -> ended.put(r.wire(), n));
                return metrics.render(byState, ended, sessions.all().size());
              })
          .get(5, TimeUnit.SECONDS);
    } catch (java.util.concurrent.CancellationException stopping) {
      // The call loop has stopped (see dropWhenStopped): the live and ended calls are left out.
      return metrics.render(Map.of(), Map.of(), sessions.all().size());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("metrics unavailable", e);
    }
  }

  /**
   * The call loop's executor: a task that throws is logged. (A plain ScheduledThreadPoolExecutor
   * keeps the exception inside the task's future, which nobody reads: the failure would vanish.)
   */
  private static final class LoggingScheduler
      extends java.util.concurrent.ScheduledThreadPoolExecutor {
    LoggingScheduler(java.util.concurrent.ThreadFactory threads) {
      super(1, threads, Switchboard::dropWhenStopped);
    }

    @Override
    protected void afterExecute(Runnable task, Throwable thrown) {
      super.afterExecute(task, thrown);
      logFailure(task, thrown, "a call-loop task failed");
    }
  }

  /**
   * A one-thread executor whose tasks are dropped once it has stopped (see dropWhenStopped), and
   * whose failures are logged, also those of tasks given with {@code submit}.
   */
  private static ExecutorService singleThread(String name) {
    return new java.util.concurrent.ThreadPoolExecutor(
        1,
        1,
        0,
        TimeUnit.SECONDS,
        new java.util.concurrent.LinkedBlockingQueue<>(),
        Threads.daemon(name),
        Switchboard::dropWhenStopped) {
      @Override
      protected void afterExecute(Runnable task, Throwable thrown) {
        super.afterExecute(task, thrown);
        logFailure(task, thrown, "a " + name + " task failed");
      }
    };
  }

  /** Logs what a task threw: {@code thrown}, or the failure its future keeps. */
  private static void logFailure(Runnable task, Throwable thrown, String what) {
    Throwable failure = thrown;
    if (failure == null
        && task instanceof java.util.concurrent.Future<?> f
        && f.isDone()
        && !f.isCancelled()) {
      try {
        f.get();
      } catch (ExecutionException e) {
        failure = e.getCause();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (failure != null) {
      LOG.error(what, failure);
    }
  }

  /**
   * What the switchboard's executors do with a task given after {@link #close()} stopped them: drop
   * it, cancelling its future so a caller waiting on it is answered at once. A stopping server's
   * work goes with it (its sessions and calls end), so the threads that race the stop (transports,
   * timers, the store's callbacks) need no handling of their own. The executors' queues are
   * unbounded: a running executor never refuses.
   */
  static void dropWhenStopped(Runnable task, java.util.concurrent.ThreadPoolExecutor executor) {
    if (!executor.isShutdown()) {
      throw new java.util.concurrent.RejectedExecutionException("executor full: " + executor);
    }
    if (task instanceof java.util.concurrent.Future<?> f) {
      f.cancel(false);
    }
    LOG.debug("server stopping: a task dropped");
  }

  /** Ends every call with server_shutdown, flushes the store, and stops the threads. */
  @Override
  public synchronized void close() {
    if (loop.isShutdown()) {
      return; // closed already
    }
    try {
      loop.submit(() -> apply(calls.shutdown())).get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("could not end calls cleanly on shutdown", e);
    }
    loop.shutdown();
    try {
      // In order: the calls' last media work (stopping recorders), then cataloguing what they
      // recorded, then the store's queue; each gets its time before the next starts.
      loop.awaitTermination(5, TimeUnit.SECONDS);
      mediaPool.shutdown();
      mediaPool.awaitTermination(10, TimeUnit.SECONDS);
      cataloguer.shutdown();
      if (!cataloguer.awaitTermination(30, TimeUnit.SECONDS)) {
        LOG.warn("recordings still being catalogued at shutdown: they are not in the catalogue");
      }
      store.shutdown();
      store.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
