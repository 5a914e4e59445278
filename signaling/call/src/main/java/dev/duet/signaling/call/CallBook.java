package dev.duet.signaling.call;

import dev.duet.protocol.EndReason;
import dev.duet.protocol.ErrorCode;
import dev.duet.protocol.ServerMessage;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The server-owned truth about calls: a pure state machine. Each event method takes the sending
 * device and returns a {@link Transition}: the messages to send and the calls that changed. No I/O,
 * no threads, no locks; time comes from the injected {@link Clock}.
 *
 * <p>Not thread-safe: the shell feeds it one event at a time.
 *
 * <p>Rules:
 *
 * <ul>
 *   <li>A user is a party of at most one live call. Inviting while in a call is refused ({@code
 *       invalid_state}); inviting a user who is in a call ends the new call with {@code busy}.
 *   <li>Every session of the callee rings; the first to accept wins, the others get {@code
 *       answered_elsewhere}; a reject gives {@code rejected} to the caller and the rejecting
 *       device, {@code declined_elsewhere} to the other devices.
 *   <li>Glare (A invites B while B's invite to A rings): the call with the lesser callId survives
 *       and is accepted at once; the other ends with {@code glare}; both users are told.
 *   <li>A hang-up before accept cancels ({@code cancelled}) when the caller does it, rejects when
 *       the callee does; after accept it ends the call with {@code hangup}.
 *   <li>Nobody answers within {@link CallPolicy#ringTimeout()}: {@code timeout}.
 *   <li>Signaling (SDP, ICE) goes only between the caller's device and the accepting device of an
 *       answered call; anything else gets {@code not_in_call} or {@code invalid_state}.
 * </ul>
 */
public final class CallBook {
  /** How many ended call ids are remembered so that a reused callId is refused. */
  private static final int ENDED_MEMORY = 10_000;

  private static final Pattern CALL_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private final Clock clock;
  private final CallPolicy policy;
  private final Map<String, Live> calls = new HashMap<>();
  private final Map<String, String> callOfUser = new HashMap<>();
  private final Map<String, Boolean> ended =
      new LinkedHashMap<>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > ENDED_MEMORY;
        }
      };
  private final Map<EndReason, Long> endCounts = new EnumMap<>(EndReason.class);
  private boolean shutDown; // no call starts once shutdown() has ended them all

  public CallBook(Clock clock, CallPolicy policy) {
    this.clock = clock;
    this.policy = policy;
  }

  /** {@code caller} invites {@code to}. */
  public Transition invite(Party caller, String callId, String to, boolean record, String re) {
    if (shutDown) {
      // A stopping server's call loop still runs what was queued before it stopped: an invite
      // among that must not start a call after every call was ended.
      return Transition.error(caller, ErrorCode.INTERNAL, "server shutting down", re);
    }
    if (callId == null || !CALL_ID.matcher(callId).matches()) {
      return Transition.error(
          caller, ErrorCode.BAD_REQUEST, "callId must be 1-64 of [A-Za-z0-9._:-]", re);
    }
    if (to == null || to.isBlank()) {
      return Transition.error(caller, ErrorCode.BAD_REQUEST, "missing callee", re);
    }
    if (!dev.duet.protocol.UserIds.plausible(to)) {
      return Transition.error(
          caller,
          ErrorCode.BAD_REQUEST,
          "'to' must be a user id: at most "
              + dev.duet.protocol.UserIds.MAX_CHARS
              + " characters of text",
          re);
    }
    if (to.equals(caller.user())) {
      return Transition.error(caller, ErrorCode.BAD_REQUEST, "you cannot call yourself", re);
    }
    if (calls.containsKey(callId) || ended.containsKey(callId)) {
      return Transition.error(caller, ErrorCode.INVALID_STATE, "callId already used", re);
    }
    if (record && !policy.allowRecordRequests() && !policy.recordAll()) {
      return Transition.error(caller, ErrorCode.FORBIDDEN, "recording is not allowed", re);
    }
    Instant now = clock.instant();
    Live mine = liveOf(caller.user());
    if (mine != null) {
      if (mine.state.ringing() && mine.caller.user().equals(to)) {
        return glare(mine, caller, callId, record, now);
      }
      return Transition.error(caller, ErrorCode.INVALID_STATE, "you are already in a call", re);
    }
    boolean records = record || policy.recordAll();
    Live call = new Live(callId, caller, to, records, now);
    if (liveOf(to) != null) {
      call.end(EndReason.BUSY, now);
      countEnd(EndReason.BUSY);
      ended.put(callId, Boolean.TRUE);
      return new Transition.Builder()
          .send(Outgoing.to(caller, ended(call)))
          .changed(call.snapshot())
          .build();
    }
    calls.put(callId, call);
    callOfUser.put(caller.user(), callId);
    callOfUser.put(to, callId);
    return new Transition.Builder()
        .send(Outgoing.toUser(to, incoming(call)))
        .changed(call.snapshot())
        .build();
  }

  /**
   * A callee device reports it is ringing; the caller hears it once. A report for a call that was
   * answered meanwhile is ignored.
   */
  public Transition ringing(Party device, String callId, String re) {
    Live call = calls.get(callId);
    if (call == null || !call.callee.equals(device.user())) {
      return notInCall(device, re);
    }
    if (!call.state.ringing() || call.state == CallState.RINGING) {
      // Already heard, or answered meanwhile (a slow device may report ringing just after another
      // device accepted): nothing to tell anyone.
      return Transition.none();
    }
    call.state = CallState.RINGING;
    return new Transition.Builder()
        .send(Outgoing.to(call.caller, new ServerMessage.CallRinging(callId)))
        .changed(call.snapshot())
        .build();
  }

  /** A callee device accepts. */
  public Transition accept(Party device, String callId, String re) {
    Live call = calls.get(callId);
    if (call == null || !call.involves(device.user())) {
      return notInCall(device, re);
    }
    if (!call.callee.equals(device.user())) {
      return Transition.error(device, ErrorCode.INVALID_STATE, "only the callee can accept", re);
    }
    if (!call.state.ringing()) {
      return Transition.error(device, ErrorCode.INVALID_STATE, "the call was already answered", re);
    }
    return answer(call, device, clock.instant()).build();
  }

  /** A callee device declines. */
  public Transition reject(Party device, String callId, String re) {
    Live call = calls.get(callId);
    if (call == null || !call.involves(device.user())) {
      return notInCall(device, re);
    }
    if (!call.callee.equals(device.user())) {
      return Transition.error(device, ErrorCode.INVALID_STATE, "only the callee can reject", re);
    }
    if (!call.state.ringing()) {
      return Transition.error(device, ErrorCode.INVALID_STATE, "the call was already answered", re);
    }
    return decline(call, device);
  }

  /** Either party hangs up; before accept this cancels (caller) or rejects (callee). */
  public Transition hangup(Party device, String callId, String re) {
    return hangup(device, callId, EndReason.HANGUP, re);
  }

  /**
   * Either party hangs up, saying why: {@code reason} ends an answered call ({@link
   * EndReason#HANGUP}, or {@link EndReason#MEDIA_FAILED} when the party's media could not be kept
   * up even through the relay; on the peer-to-peer path that is a plain hang-up). Before accept the
   * reason does not matter: the caller cancels, a callee device rejects.
   */
  public Transition hangup(Party device, String callId, EndReason reason, String re) {
    Live call = calls.get(callId);
    if (call == null || !isParty(call, device)) {
      return notInCall(device, re);
    }
    if (call.state.ringing()) {
      if (call.callee.equals(device.user())) {
        return decline(call, device);
      }
      return finish(call, EndReason.CANCELLED);
    }
    // media_failed says the relay could not carry the media: on the peer-to-peer path a party
    // asks for the relay instead (call.relay), so there it is a plain hang-up.
    if (reason == EndReason.MEDIA_FAILED && call.path != MediaPath.RELAY) {
      return finish(call, EndReason.HANGUP);
    }
    return finish(call, reason);
  }

  /**
   * Relays signaling ({@code sdp.offer}, {@code sdp.answer}, {@code ice.candidate}) from one party
   * of an answered call to the other. {@code toPeer} is the message as the peer gets it.
   */
  public Transition signal(
      Party sender, String callId, ServerMessage toPeer, boolean isAnswer, String re) {
    Live call = calls.get(callId);
    if (call == null || !isParty(call, sender)) {
      return notInCall(sender, re);
    }
    if (!call.state.answered()) {
      return Transition.error(
          sender, ErrorCode.INVALID_STATE, "signaling starts after the call is accepted", re);
    }
    Party peer = call.caller.equals(sender) ? call.calleeParty() : call.caller;
    Transition.Builder b = new Transition.Builder().send(Outgoing.to(peer, toPeer));
    if (isAnswer && call.state == CallState.ACCEPTED) {
      call.state = CallState.CONNECTED;
      b.changed(call.snapshot());
    }
    return b.build();
  }

  /** Checks that {@code sender} may send media signaling for the call, without sending. */
  public Optional<Call> answeredCallOf(Party sender, String callId) {
    Live call = calls.get(callId);
    if (call == null || !isParty(call, sender) || !call.state.answered()) {
      return Optional.empty();
    }
    return Optional.of(call.snapshot());
  }

  /**
   * A party reports that peer-to-peer media failed for good. With a relay available, the call
   * switches to it and both parties get {@code call.media relay}; without one it ends with {@code
   * ice_failed}.
   */
  public Transition relay(Party device, String callId, boolean relayAvailable, String re) {
    Live call = calls.get(callId);
    if (call == null || !isParty(call, device)) {
      return notInCall(device, re);
    }
    if (!call.state.answered()) {
      return Transition.error(device, ErrorCode.INVALID_STATE, "the call is not answered", re);
    }
    if (call.path == MediaPath.RELAY) {
      return Transition.error(
          device, ErrorCode.INVALID_STATE, "the call already uses the relay", re);
    }
    if (!relayAvailable) {
      return finish(call, EndReason.ICE_FAILED);
    }
    call.path = MediaPath.RELAY;
    call.pathSwitchedAt = clock.instant();
    ServerMessage media = new ServerMessage.CallMedia(callId, MediaPath.RELAY.wire());
    return new Transition.Builder()
        .send(Outgoing.to(call.caller, media))
        .send(Outgoing.to(call.calleeParty(), media))
        .changed(call.snapshot())
        .build();
  }

  /** Ends a call for a reason outside the parties' control (media failure, say). */
  public Transition end(String callId, EndReason reason) {
    Live call = calls.get(callId);
    return call == null ? Transition.none() : finish(call, reason);
  }

  /**
   * A session is gone for good (its resume grace ran out, or it logged out). Calls it takes part in
   * end with {@code connection_lost}; a ringing device that leaves just stops ringing.
   */
  public Transition sessionGone(Party device) {
    String callId = callOfUser.get(device.user());
    Live call = callId == null ? null : calls.get(callId);
    if (call == null) {
      return Transition.none();
    }
    if (call.state.ringing() && !call.caller.equals(device)) {
      return Transition.none(); // a ringing callee device that leaves just stops ringing
    }
    if (isParty(call, device)) {
      return finish(call, EndReason.CONNECTION_LOST);
    }
    return Transition.none();
  }

  /** Ends calls that rang for longer than the ring timeout. */
  public Transition tick() {
    Instant now = clock.instant();
    Transition.Builder b = new Transition.Builder();
    for (Live call : List.copyOf(calls.values())) {
      if (call.state.ringing() && !now.isBefore(call.createdAt.plus(policy.ringTimeout()))) {
        b.merge(finish(call, EndReason.TIMEOUT));
      }
    }
    return b.build();
  }

  /** Ends every live call with {@code server_shutdown}; invites are refused from then on. */
  public Transition shutdown() {
    shutDown = true;
    Transition.Builder b = new Transition.Builder();
    for (Live call : List.copyOf(calls.values())) {
      b.merge(finish(call, EndReason.SERVER_SHUTDOWN));
    }
    return b.build();
  }

  /** When {@link #tick()} next has work: the earliest ring deadline. */
  public Optional<Instant> nextDeadline() {
    return calls.values().stream()
        .filter(c -> c.state.ringing())
        .map(c -> c.createdAt.plus(policy.ringTimeout()))
        .min(Comparator.naturalOrder());
  }

  /** The {@code call.incoming} messages a newly connected session of {@code user} should get. */
  public List<ServerMessage> ringingFor(String user) {
    String callId = callOfUser.get(user);
    Live call = callId == null ? null : calls.get(callId);
    if (call == null || !call.state.ringing() || !call.callee.equals(user)) {
      return List.of();
    }
    return List.of(incoming(call));
  }

  /** The live call {@code user} takes part in. */
  public Optional<Call> callOf(String user) {
    Live call = liveOf(user);
    return call == null ? Optional.empty() : Optional.of(call.snapshot());
  }

  public Optional<Call> find(String callId) {
    Live call = calls.get(callId);
    return call == null ? Optional.empty() : Optional.of(call.snapshot());
  }

  /** Live calls by state (metrics). */
  public Map<CallState, Long> countByState() {
    Map<CallState, Long> counts = new EnumMap<>(CallState.class);
    for (CallState s : CallState.values()) {
      if (s != CallState.ENDED) {
        counts.put(s, 0L);
      }
    }
    for (Live call : calls.values()) {
      counts.merge(call.state, 1L, Long::sum);
    }
    return counts;
  }

  /** Ended calls by reason since start (metrics). */
  public Map<EndReason, Long> endCounts() {
    return new EnumMap<>(endCounts);
  }

  private Transition glare(
      Live theirs, Party caller, String myCallId, boolean record, Instant now) {
    Transition.Builder b = new Transition.Builder();
    if (myCallId.compareTo(theirs.callId) < 0) {
      // Mine survives: theirs ends with glare, mine is accepted at once by their inviting device.
      ServerMessage glared = new ServerMessage.CallEnded(theirs.callId, EndReason.GLARE.wire());
      theirs.end(EndReason.GLARE, now);
      remove(theirs);
      countEnd(EndReason.GLARE);
      b.send(Outgoing.to(theirs.caller, glared)).send(Outgoing.toUser(caller.user(), glared));
      b.changed(theirs.snapshot());
      Live mine =
          new Live(
              myCallId,
              caller,
              theirs.caller.user(),
              record || theirs.record || policy.recordAll(),
              now);
      calls.put(myCallId, mine);
      callOfUser.put(caller.user(), myCallId);
      callOfUser.put(mine.callee, myCallId);
      mine.calleeSession = theirs.caller.session();
      mine.state = CallState.ACCEPTED;
      mine.answeredAt = now;
      ServerMessage accepted = accepted(mine);
      b.send(Outgoing.to(caller, accepted)).send(Outgoing.to(mine.calleeParty(), accepted));
      relayFromTheStart(mine, b);
      b.changed(mine.snapshot());
      return b.build();
    }
    // Theirs survives: mine ends with glare, theirs is accepted by my inviting device.
    Live mine = new Live(myCallId, caller, theirs.caller.user(), record, now);
    mine.end(EndReason.GLARE, now);
    ended.put(myCallId, Boolean.TRUE);
    countEnd(EndReason.GLARE);
    ServerMessage glared = new ServerMessage.CallEnded(myCallId, EndReason.GLARE.wire());
    b.send(Outgoing.to(caller, glared)).send(Outgoing.to(theirs.caller, glared));
    b.changed(mine.snapshot());
    return b.merge(answer(theirs, caller, now).build()).build();
  }

  private Transition.Builder answer(Live call, Party device, Instant now) {
    call.state = CallState.ACCEPTED;
    call.calleeSession = device.session();
    call.answeredAt = now;
    ServerMessage accepted = accepted(call);
    Transition.Builder b =
        new Transition.Builder()
            .send(Outgoing.to(call.caller, accepted))
            .send(Outgoing.to(device, accepted))
            .send(
                Outgoing.toUserExcept(
                    call.callee,
                    device.session(),
                    new ServerMessage.CallEnded(call.callId, EndReason.ANSWERED_ELSEWHERE.wire())));
    relayFromTheStart(call, b);
    return b.changed(call.snapshot());
  }

  /**
   * A call on the relay path from the start (recorded, or relay forced): right after {@code
   * call.accepted}, both parties learn to offer to the relay instead of to each other.
   */
  private static void relayFromTheStart(Live call, Transition.Builder b) {
    if (call.path == MediaPath.RELAY) {
      ServerMessage media = new ServerMessage.CallMedia(call.callId, MediaPath.RELAY.wire());
      b.send(Outgoing.to(call.caller, media)).send(Outgoing.to(call.calleeParty(), media));
    }
  }

  private Transition decline(Live call, Party device) {
    Instant now = clock.instant();
    call.end(EndReason.REJECTED, now);
    remove(call);
    countEnd(EndReason.REJECTED);
    ServerMessage rejected = new ServerMessage.CallEnded(call.callId, EndReason.REJECTED.wire());
    return new Transition.Builder()
        .send(Outgoing.to(call.caller, rejected))
        .send(Outgoing.to(device, rejected))
        .send(
            Outgoing.toUserExcept(
                call.callee,
                device.session(),
                new ServerMessage.CallEnded(call.callId, EndReason.DECLINED_ELSEWHERE.wire())))
        .changed(call.snapshot())
        .build();
  }

  /** Ends a live call: both parties (every ringing device, before accept) get the reason. */
  private Transition finish(Live call, EndReason reason) {
    boolean wasRinging = call.state.ringing();
    call.end(reason, clock.instant());
    remove(call);
    countEnd(reason);
    ServerMessage msg = ended(call);
    Transition.Builder b = new Transition.Builder().send(Outgoing.to(call.caller, msg));
    if (wasRinging) {
      b.send(Outgoing.toUser(call.callee, msg));
    } else {
      b.send(Outgoing.to(call.calleeParty(), msg));
    }
    return b.changed(call.snapshot()).build();
  }

  private void remove(Live call) {
    calls.remove(call.callId);
    ended.put(call.callId, Boolean.TRUE);
    callOfUser.remove(call.caller.user(), call.callId);
    callOfUser.remove(call.callee, call.callId);
  }

  private void countEnd(EndReason reason) {
    endCounts.merge(reason, 1L, Long::sum);
  }

  private Live liveOf(String user) {
    String callId = callOfUser.get(user);
    return callId == null ? null : calls.get(callId);
  }

  /**
   * The caller's device, or (after accept) the accepting device; before accept any callee device.
   */
  private static boolean isParty(Live call, Party device) {
    if (call.caller.equals(device)) {
      return true;
    }
    if (!call.callee.equals(device.user())) {
      return false;
    }
    return call.state.ringing() || device.session().equals(call.calleeSession);
  }

  private static Transition notInCall(Party device, String re) {
    return Transition.error(device, ErrorCode.NOT_IN_CALL, "no such call of yours", re);
  }

  private static ServerMessage incoming(Live call) {
    return new ServerMessage.CallIncoming(call.callId, call.caller.user(), call.record);
  }

  private static ServerMessage accepted(Live call) {
    return new ServerMessage.CallAccepted(
        call.callId, call.caller.user(), call.callee, call.path.wire());
  }

  private static ServerMessage ended(Live call) {
    return new ServerMessage.CallEnded(call.callId, call.endReason.wire());
  }

  /** The mutable state of one call, private to the book. */
  private final class Live {
    final String callId;
    final Party caller;
    final String callee;
    final boolean record;
    final Instant createdAt;
    String calleeSession;
    CallState state = CallState.INVITING;
    MediaPath path;
    Instant answeredAt;
    Instant endedAt;
    EndReason endReason;
    Instant pathSwitchedAt;

    Live(String callId, Party caller, String callee, boolean record, Instant createdAt) {
      this.callId = callId;
      this.caller = caller;
      this.callee = callee;
      this.record = record;
      this.createdAt = createdAt;
      this.path = record || policy.forceRelay() ? MediaPath.RELAY : MediaPath.P2P;
    }

    boolean involves(String user) {
      return caller.user().equals(user) || callee.equals(user);
    }

    Party calleeParty() {
      return new Party(callee, calleeSession);
    }

    void end(EndReason reason, Instant now) {
      state = CallState.ENDED;
      endReason = reason;
      endedAt = now;
    }

    Call snapshot() {
      return new Call(
          callId,
          caller,
          callee,
          Optional.ofNullable(calleeSession),
          state,
          record,
          path,
          createdAt,
          Optional.ofNullable(answeredAt),
          Optional.ofNullable(endedAt),
          Optional.ofNullable(endReason),
          Optional.ofNullable(pathSwitchedAt));
    }
  }
}
