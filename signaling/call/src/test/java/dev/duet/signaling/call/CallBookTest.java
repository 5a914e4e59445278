package dev.duet.signaling.call;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.protocol.EndReason;
import dev.duet.protocol.ErrorCode;
import dev.duet.protocol.ServerMessage;
import dev.duet.signaling.call.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The call state machine, one transition and one end reason at a time. */
class CallBookTest {
  private static final Instant START = Instant.parse("2026-01-05T09:00:00Z");
  private static final Duration RING = Duration.ofSeconds(30);

  private static final Party A1 = new Party("alice", "a1");
  private static final Party A2 = new Party("alice", "a2");
  private static final Party B1 = new Party("bob", "b1");
  private static final Party B2 = new Party("bob", "b2");
  private static final Party C1 = new Party("carol", "c1");

  private static final String ID = "5e1d6a2c-7b3f-4f0a-9c8d-1a2b3c4d5e6f";
  private static final String ID2 = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e";

  private final MutableClock clock = new MutableClock(START);
  private CallBook book = new CallBook(clock, CallPolicy.defaults().withRingTimeout(RING));

  // --- invite ---

  @Test
  void inviteRingsEverySessionOfTheCallee() {
    Transition t = book.invite(A1, ID, "bob", false, "c-1");

    assertThat(t.out())
        .containsExactly(
            Outgoing.toUser("bob", new ServerMessage.CallIncoming(ID, "alice", false)));
    assertThat(t.changed())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.state()).isEqualTo(CallState.INVITING);
              assertThat(c.caller()).isEqualTo(A1);
              assertThat(c.callee()).isEqualTo("bob");
              assertThat(c.calleeSession()).isEmpty();
              assertThat(c.path()).isEqualTo(MediaPath.P2P);
              assertThat(c.record()).isFalse();
              assertThat(c.createdAt()).isEqualTo(START);
              assertThat(c.endReason()).isEmpty();
            });
    assertThat(book.callOf("alice")).map(Call::callId).hasValue(ID);
    assertThat(book.callOf("bob")).map(Call::callId).hasValue(ID);
    assertThat(book.find(ID)).isPresent();
  }

  @Test
  void sessionThatConnectsWhileTheCallRingsIsToldItRings() {
    book.invite(A1, ID, "bob", false, null);

    assertThat(book.ringingFor("bob"))
        .containsExactly(new ServerMessage.CallIncoming(ID, "alice", false));
    assertThat(book.ringingFor("alice")).as("the caller is not rung").isEmpty();
    assertThat(book.ringingFor("carol")).isEmpty();
  }

  @Test
  void sessionThatConnectsAfterAcceptIsNotRung() {
    book.invite(A1, ID, "bob", false, null);
    book.accept(B1, ID, null);

    assertThat(book.ringingFor("bob")).isEmpty();
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(
      strings = {
        "",
        "has space",
        "slash/inside",
        "ünïcode",
        "0123456789012345678901234567890123456789012345678901234567890123x"
      })
  void invalidCallIdIsABadRequest(String callId) {
    Transition t = book.invite(A1, callId, "bob", false, "c-1");

    assertError(t, A1, ErrorCode.BAD_REQUEST, "c-1");
    assertThat(book.callOf("alice")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a",
        "call:1.2_3-4",
        "0123456789012345678901234567890123456789012345678901234567890123"
      })
  void callIdOfOneToSixtyFourSafeCharactersIsAccepted(String callId) {
    assertThat(book.invite(A1, callId, "bob", false, null).isError()).isFalse();
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"", "   "})
  void missingCalleeIsABadRequest(String to) {
    assertError(book.invite(A1, ID, to, false, "c-1"), A1, ErrorCode.BAD_REQUEST, "c-1");
  }

  @Test
  void aCalleeThatCannotBeAUserIdIsABadRequest() {
    assertError(
        book.invite(A1, ID, "x".repeat(129), false, "c-1"), A1, ErrorCode.BAD_REQUEST, "c-1");
    assertError(book.invite(A1, ID, "bo\u0000b", false, "c-2"), A1, ErrorCode.BAD_REQUEST, "c-2");
    assertThat(book.callOf("alice")).isEmpty();
    assertThat(book.invite(A1, ID, "b".repeat(128), false, null).isError()).isFalse();
  }

  @Test
  void callingYourselfIsABadRequest() {
    Transition t = book.invite(A1, ID, "alice", false, "c-1");

    assertError(t, A1, ErrorCode.BAD_REQUEST, "c-1");
    assertThat(book.callOf("alice")).isEmpty();
  }

  @Test
  void reusedCallIdOfALiveCallIsRefused() {
    book.invite(A1, ID, "bob", false, null);

    assertError(book.invite(C1, ID, "dave", false, "c-2"), C1, ErrorCode.INVALID_STATE, "c-2");
  }

  @Test
  void reusedCallIdOfAnEndedCallIsRefused() {
    book.invite(A1, ID, "bob", false, null);
    book.hangup(A1, ID, null);

    assertError(book.invite(A1, ID, "bob", false, "c-3"), A1, ErrorCode.INVALID_STATE, "c-3");
  }

  @Test
  void callerAlreadyInACallGetsInvalidState() {
    book.invite(A1, ID, "bob", false, null);
    book.accept(B1, ID, null);

    Transition t = book.invite(A1, ID2, "carol", false, "c-9");

    assertError(t, A1, ErrorCode.INVALID_STATE, "c-9");
    assertThat(book.callOf("carol")).isEmpty();
  }

  @Test
  void callerWithAnOutgoingRingingCallGetsInvalidState() {
    book.invite(A1, ID, "bob", false, null);

    assertError(book.invite(A2, ID2, "carol", false, "c-9"), A2, ErrorCode.INVALID_STATE, "c-9");
  }

  @Test
  void calleeOfARingingCallCallingSomeoneElseGetsInvalidState() {
    book.invite(A1, ID, "bob", false, null);

    assertError(book.invite(B1, ID2, "carol", false, "c-9"), B1, ErrorCode.INVALID_STATE, "c-9");
  }

  @Test
  void busyCalleeEndsCallWithBusy() {
    book.invite(A1, ID, "bob", false, null);
    book.accept(B1, ID, null);

    Transition t = book.invite(C1, ID2, "bob", false, "c-1");

    assertThat(t.out()).containsExactly(Outgoing.to(C1, new ServerMessage.CallEnded(ID2, "busy")));
    assertThat(t.changed())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.callId()).isEqualTo(ID2);
              assertThat(c.state()).isEqualTo(CallState.ENDED);
              assertThat(c.endReason()).hasValue(EndReason.BUSY);
              assertThat(c.endedAt()).hasValue(START);
            });
    assertThat(book.callOf("carol")).isEmpty();
    assertThat(book.callOf("bob")).map(Call::callId).hasValue(ID);
    assertThat(book.endCounts()).containsEntry(EndReason.BUSY, 1L);
    assertError(book.invite(C1, ID2, "dave", false, "c-2"), C1, ErrorCode.INVALID_STATE, "c-2");
  }

  @Test
  void calleeWhoseOwnCallRingsIsBusy() {
    book.invite(B1, ID, "carol", false, null);

    Transition t = book.invite(A1, ID2, "bob", false, null);

    assertThat(t.out()).containsExactly(Outgoing.to(A1, new ServerMessage.CallEnded(ID2, "busy")));
  }

  // --- ringing ---

  @Test
  void firstRingingTellsTheCallerOnce() {
    book.invite(A1, ID, "bob", false, null);

    Transition first = book.ringing(B1, ID, null);
    Transition second = book.ringing(B2, ID, null);
    Transition again = book.ringing(B1, ID, null);

    assertThat(first.out()).containsExactly(Outgoing.to(A1, new ServerMessage.CallRinging(ID)));
    assertThat(first.changed())
        .singleElement()
        .extracting(Call::state)
        .isEqualTo(CallState.RINGING);
    assertThat(second.out()).isEmpty();
    assertThat(second.changed()).isEmpty();
    assertThat(again.out()).isEmpty();
  }

  @Test
  void ringingFromAnyoneButTheCalleeIsNotInCall() {
    book.invite(A1, ID, "bob", false, null);

    assertError(book.ringing(C1, ID, "r"), C1, ErrorCode.NOT_IN_CALL, "r");
    assertError(book.ringing(A1, ID, "r"), A1, ErrorCode.NOT_IN_CALL, "r");
    assertError(book.ringing(B1, "no-such-call", "r"), B1, ErrorCode.NOT_IN_CALL, "r");
  }

  @Test
  void ringingReportedAfterAnotherDeviceAcceptedIsIgnored() {
    book.invite(A1, ID, "bob", false, null);
    book.accept(B1, ID, null);

    assertThat(book.ringing(B2, ID, "r")).isEqualTo(Transition.none());
  }

  // --- accept ---

  @Test
  void acceptTellsCallerAndAcceptingDeviceAndStopsTheOtherDevices() {
    book.invite(A1, ID, "bob", false, null);
    book.ringing(B1, ID, null);
    clock.advance(Duration.ofSeconds(4));

    Transition t = book.accept(B2, ID, "c-3");

    ServerMessage accepted = new ServerMessage.CallAccepted(ID, "alice", "bob", "p2p");
    assertThat(t.out())
        .containsExactly(
            Outgoing.to(A1, accepted),
            Outgoing.to(B2, accepted),
            Outgoing.toUserExcept(
                "bob", "b2", new ServerMessage.CallEnded(ID, "answered_elsewhere")));
    assertThat(t.changed())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.state()).isEqualTo(CallState.ACCEPTED);
              assertThat(c.calleeSession()).hasValue("b2");
              assertThat(c.calleeParty()).hasValue(B2);
              assertThat(c.answeredAt()).hasValue(START.plusSeconds(4));
            });
  }

  @Test
  void acceptFromAnInvitingCallWorksWithoutRinging() {
    book.invite(A1, ID, "bob", false, null);

    assertThat(book.accept(B1, ID, null).isError()).isFalse();
    assertThat(book.find(ID)).map(Call::state).hasValue(CallState.ACCEPTED);
  }

  @Test
  void secondAcceptIsInvalidState() {
    book.invite(A1, ID, "bob", false, null);
    book.accept(B1, ID, null);

    assertError(book.accept(B2, ID, "c-4"), B2, ErrorCode.INVALID_STATE, "c-4");
    assertError(book.accept(B1, ID, "c-5"), B1, ErrorCode.INVALID_STATE, "c-5");
  }

  @Test
  void callerCannotAcceptItsOwnCall() {
    book.invite(A1, ID, "bob", false, null);

    assertError(book.accept(A1, ID, "x"), A1, ErrorCode.INVALID_STATE, "x");
  }

  @Test
  void acceptByAThirdUserOrOfAnUnknownCallIsNotInCall() {
    book.invite(A1, ID, "bob", false, null);

    assertError(book.accept(C1, ID, "x"), C1, ErrorCode.NOT_IN_CALL, "x");
    assertError(book.accept(B1, ID2, "y"), B1, ErrorCode.NOT_IN_CALL, "y");
  }

  // --- reject ---

  @Test
  void rejectEndsCallWithRejectedAndDeclinesElsewhere() {
    book.invite(A1, ID, "bob", false, null);

    Transition t = book.reject(B1, ID, "c-3");

    ServerMessage rejected = new ServerMessage.CallEnded(ID, "rejected");
    assertThat(t.out())
        .containsExactly(
            Outgoing.to(A1, rejected),
            Outgoing.to(B1, rejected),
            Outgoing.toUserExcept(
                "bob", "b1", new ServerMessage.CallEnded(ID, "declined_elsewhere")));
    assertEnded(t, EndReason.REJECTED);
    assertThat(book.callOf("alice")).isEmpty();
    assertThat(book.callOf("bob")).isEmpty();
  }

  @Test
  void callerCannotRejectItsOwnCall() {
    book.invite(A1, ID, "bob", false, null);

    assertError(book.reject(A1, ID, "x"), A1, ErrorCode.INVALID_STATE, "x");
  }

  @Test
  void rejectAfterAcceptIsInvalidState() {
    book.invite(A1, ID, "bob", false, null);
    book.accept(B1, ID, null);

    assertError(book.reject(B1, ID, "x"), B1, ErrorCode.INVALID_STATE, "x");
  }

  @Test
  void rejectByAThirdUserIsNotInCall() {
    book.invite(A1, ID, "bob", false, null);

    assertError(book.reject(C1, ID, "x"), C1, ErrorCode.NOT_IN_CALL, "x");
  }

  // --- hangup ---

  @Test
  void callerHangupBeforeAcceptCancelsOnEveryCalleeSession() {
    book.invite(A1, ID, "bob", false, null);
    book.ringing(B1, ID, null);

    Transition t = book.hangup(A1, ID, null);

    ServerMessage cancelled = new ServerMessage.CallEnded(ID, "cancelled");
    assertThat(t.out())
        .containsExactly(Outgoing.to(A1, cancelled), Outgoing.toUser("bob", cancelled));
    assertEnded(t, EndReason.CANCELLED);
  }

  @Test
  void calleeHangupBeforeAcceptIsAReject() {
    book.invite(A1, ID, "bob", false, null);

    Transition t = book.hangup(B2, ID, null);

    ServerMessage rejected = new ServerMessage.CallEnded(ID, "rejected");
    assertThat(t.out())
        .containsExactly(
            Outgoing.to(A1, rejected),
            Outgoing.to(B2, rejected),
            Outgoing.toUserExcept(
                "bob", "b2", new ServerMessage.CallEnded(ID, "declined_elsewhere")));
    assertEnded(t, EndReason.REJECTED);
  }

  @Test
  void callerHangupAfterAcceptEndsTheCallForBoth() {
    accepted(B2);
    clock.advance(Duration.ofMinutes(3));

    Transition t = book.hangup(A1, ID, "h");

    ServerMessage hangup = new ServerMessage.CallEnded(ID, "hangup");
    assertThat(t.out()).containsExactly(Outgoing.to(A1, hangup), Outgoing.to(B2, hangup));
    assertEnded(t, EndReason.HANGUP);
    assertThat(t.changed().get(0).endedAt()).hasValue(START.plus(Duration.ofMinutes(3)));
    assertThat(t.changed().get(0).answeredAt()).hasValue(START);
  }

  @Test
  void calleeHangupAfterAcceptEndsTheCallForBoth() {
    accepted(B2);

    Transition t = book.hangup(B2, ID, null);

    ServerMessage hangup = new ServerMessage.CallEnded(ID, "hangup");
    assertThat(t.out()).containsExactly(Outgoing.to(A1, hangup), Outgoing.to(B2, hangup));
    assertEnded(t, EndReason.HANGUP);
  }

  @Test
  void aHangupGivingMediaFailedEndsTheCallWithThatReasonForBoth() {
    accepted(B2);
    book.relay(A1, ID, true, null);

    Transition t = book.hangup(B2, ID, EndReason.MEDIA_FAILED, "m");

    ServerMessage ended = new ServerMessage.CallEnded(ID, "media_failed");
    assertThat(t.out()).containsExactly(Outgoing.to(A1, ended), Outgoing.to(B2, ended));
    assertEnded(t, EndReason.MEDIA_FAILED);
  }

  @Test
  void mediaFailedOnThePeerToPeerPathIsAPlainHangup() {
    accepted(B2); // p2p: the party should have asked for the relay

    assertEnded(book.hangup(B2, ID, EndReason.MEDIA_FAILED, null), EndReason.HANGUP);
  }

  @Test
  void beforeAcceptAHangupReasonDoesNotMatter() {
    book.invite(A1, ID, "bob", false, null);

    assertEnded(book.hangup(A1, ID, EndReason.MEDIA_FAILED, null), EndReason.CANCELLED);
  }

  @Test
  void hangupOfAConnectedCallEndsWithHangup() {
    accepted(B1);
    book.signal(B1, ID, answer("bob"), true, null);

    assertEnded(book.hangup(B1, ID, null), EndReason.HANGUP);
  }

  @Test
  void hangupFromADeviceThatIsNotAPartyIsNotInCall() {
    accepted(B2);

    assertError(book.hangup(B1, ID, "x"), B1, ErrorCode.NOT_IN_CALL, "x");
    assertError(book.hangup(A2, ID, "y"), A2, ErrorCode.NOT_IN_CALL, "y");
    assertError(book.hangup(C1, ID, "z"), C1, ErrorCode.NOT_IN_CALL, "z");
    assertThat(book.find(ID)).isPresent();
  }

  @Test
  void hangupOfAnEndedCallIsNotInCall() {
    accepted(B1);
    book.hangup(A1, ID, null);

    assertError(book.hangup(B1, ID, "x"), B1, ErrorCode.NOT_IN_CALL, "x");
  }

  @Test
  void partiesCanCallAgainAfterTheCallEnded() {
    accepted(B1);
    book.hangup(A1, ID, null);

    Transition t = book.invite(B1, ID2, "alice", false, null);

    assertThat(t.out())
        .containsExactly(
            Outgoing.toUser("alice", new ServerMessage.CallIncoming(ID2, "bob", false)));
  }

  // --- ring timeout ---

  @Test
  void ringTimeoutEndsTheCallExactlyAtTheDeadline() {
    book.invite(A1, ID, "bob", false, null);
    book.ringing(B1, ID, null);

    assertThat(book.nextDeadline()).hasValue(START.plus(RING));
    clock.advance(RING.minusMillis(1));
    assertThat(book.tick().out()).isEmpty();
    assertThat(book.find(ID)).isPresent();

    clock.advance(Duration.ofMillis(1));
    Transition t = book.tick();

    ServerMessage timeout = new ServerMessage.CallEnded(ID, "timeout");
    assertThat(t.out()).containsExactly(Outgoing.to(A1, timeout), Outgoing.toUser("bob", timeout));
    assertEnded(t, EndReason.TIMEOUT);
    assertThat(book.nextDeadline()).isEmpty();
    assertThat(book.tick().out()).isEmpty();
  }

  @Test
  void inviteThatNeverRangTimesOutToo() {
    book.invite(A1, ID, "bob", false, null);
    clock.advance(RING);

    assertEnded(book.tick(), EndReason.TIMEOUT);
  }

  @Test
  void nextDeadlineIsTheEarliestRingingCall() {
    book.invite(A1, ID, "bob", false, null);
    clock.advance(Duration.ofSeconds(10));
    book.invite(C1, ID2, "dave", false, null);

    assertThat(book.nextDeadline()).hasValue(START.plus(RING));
    book.accept(B1, ID, null);
    assertThat(book.nextDeadline()).hasValue(START.plusSeconds(10).plus(RING));
  }

  @Test
  void tickEndsOnlyCallsPastTheirDeadline() {
    book.invite(A1, ID, "bob", false, null);
    clock.advance(Duration.ofSeconds(10));
    book.invite(C1, ID2, "dave", false, null);
    clock.advance(Duration.ofSeconds(20));

    Transition t = book.tick();

    assertThat(t.changed()).extracting(Call::callId).containsExactly(ID);
    assertThat(book.find(ID2)).isPresent();
  }

  @Test
  void answeredCallsHaveNoDeadlineAndNeverTimeOut() {
    accepted(B1);

    assertThat(book.nextDeadline()).isEmpty();
    clock.advance(Duration.ofHours(2));
    assertThat(book.tick().out()).isEmpty();
    assertThat(book.find(ID)).isPresent();
  }

  // --- glare ---

  @Nested
  class Glare {
    private static final String LESSER = "1f0e2d3c-aaaa-4bbb-8ccc-000000000001";
    private static final String GREATER = "f0e1d2c3-aaaa-4bbb-8ccc-000000000002";

    @Test
    void laterInviteWithTheLesserCallIdSurvivesAndIsAcceptedAtOnce() {
      book.invite(A1, GREATER, "bob", false, null);
      book.ringing(B1, GREATER, null);

      Transition t = book.invite(B2, LESSER, "alice", false, "g");

      ServerMessage glare = new ServerMessage.CallEnded(GREATER, "glare");
      ServerMessage accepted = new ServerMessage.CallAccepted(LESSER, "bob", "alice", "p2p");
      assertThat(t.out())
          .containsExactly(
              Outgoing.to(A1, glare),
              Outgoing.toUser("bob", glare),
              Outgoing.to(B2, accepted),
              Outgoing.to(A1, accepted));
      assertThat(t.changed()).extracting(Call::callId).containsExactly(GREATER, LESSER);
      assertThat(t.changed().get(0).endReason()).hasValue(EndReason.GLARE);
      Call survivor = book.find(LESSER).orElseThrow();
      assertThat(survivor.state()).isEqualTo(CallState.ACCEPTED);
      assertThat(survivor.caller()).isEqualTo(B2);
      assertThat(survivor.calleeParty()).hasValue(A1);
      assertThat(survivor.answeredAt()).hasValue(START);
      assertThat(book.find(GREATER)).isEmpty();
      assertThat(book.callOf("alice")).map(Call::callId).hasValue(LESSER);
      assertThat(book.callOf("bob")).map(Call::callId).hasValue(LESSER);
      assertThat(book.endCounts()).containsOnly(Map.entry(EndReason.GLARE, 1L));
    }

    @Test
    void earlierInviteWithTheLesserCallIdSurvivesAndIsAcceptedAtOnce() {
      book.invite(A1, LESSER, "bob", false, null);
      book.ringing(B1, LESSER, null);

      Transition t = book.invite(B2, GREATER, "alice", false, "g");

      ServerMessage glare = new ServerMessage.CallEnded(GREATER, "glare");
      ServerMessage accepted = new ServerMessage.CallAccepted(LESSER, "alice", "bob", "p2p");
      assertThat(t.out())
          .containsExactly(
              Outgoing.to(B2, glare),
              Outgoing.to(A1, glare),
              Outgoing.to(A1, accepted),
              Outgoing.to(B2, accepted),
              Outgoing.toUserExcept(
                  "bob", "b2", new ServerMessage.CallEnded(LESSER, "answered_elsewhere")));
      assertThat(t.changed()).extracting(Call::callId).containsExactly(GREATER, LESSER);
      assertThat(t.changed().get(0).endReason()).hasValue(EndReason.GLARE);
      Call survivor = book.find(LESSER).orElseThrow();
      assertThat(survivor.state()).isEqualTo(CallState.ACCEPTED);
      assertThat(survivor.caller()).isEqualTo(A1);
      assertThat(survivor.calleeParty()).hasValue(B2);
      assertThat(book.find(GREATER)).isEmpty();
      assertThat(book.endCounts()).containsOnly(Map.entry(EndReason.GLARE, 1L));
    }

    @Test
    void survivorOfGlareCarriesSignalingBetweenTheInvitingDevices() {
      book.invite(A1, GREATER, "bob", false, null);
      book.invite(B2, LESSER, "alice", false, null);

      Transition t = book.signal(B2, LESSER, offer("bob"), false, null);

      assertThat(t.out()).containsExactly(Outgoing.to(A1, offer("bob")));
    }

    @Test
    void losingCallIdCannotBeReused() {
      book.invite(A1, LESSER, "bob", false, null);
      book.invite(B2, GREATER, "alice", false, null);
      book.hangup(A1, LESSER, null);

      assertThat(book.invite(A1, GREATER, "bob", false, "r").isError()).isTrue();
      assertThat(book.invite(A1, LESSER, "bob", false, "r").isError()).isTrue();
    }

    @Test
    void inviteBackAfterTheFirstCallWasAcceptedIsInvalidState() {
      book.invite(A1, LESSER, "bob", false, null);
      book.accept(B1, LESSER, null);

      assertError(book.invite(B1, GREATER, "alice", false, "g"), B1, ErrorCode.INVALID_STATE, "g");
    }
  }

  // --- sessions that go away ---

  @Test
  void callerGoneWhileRingingEndsTheCallWithConnectionLost() {
    book.invite(A1, ID, "bob", false, null);

    Transition t = book.sessionGone(A1);

    ServerMessage lost = new ServerMessage.CallEnded(ID, "connection_lost");
    assertThat(t.out()).containsExactly(Outgoing.to(A1, lost), Outgoing.toUser("bob", lost));
    assertEnded(t, EndReason.CONNECTION_LOST);
  }

  @Test
  void callerGoneAfterAcceptTellsTheCalleeConnectionLost() {
    accepted(B2);

    Transition t = book.sessionGone(A1);

    ServerMessage lost = new ServerMessage.CallEnded(ID, "connection_lost");
    assertThat(t.out()).containsExactly(Outgoing.to(A1, lost), Outgoing.to(B2, lost));
    assertEnded(t, EndReason.CONNECTION_LOST);
  }

  @Test
  void acceptingCalleeGoneTellsTheCallerConnectionLost() {
    accepted(B2);

    Transition t = book.sessionGone(B2);

    ServerMessage lost = new ServerMessage.CallEnded(ID, "connection_lost");
    assertThat(t.out()).containsExactly(Outgoing.to(A1, lost), Outgoing.to(B2, lost));
    assertEnded(t, EndReason.CONNECTION_LOST);
  }

  @Test
  void nonAcceptingDeviceGoneAfterAcceptDoesNothing() {
    accepted(B2);

    Transition t = book.sessionGone(B1);

    assertThat(t.out()).isEmpty();
    assertThat(t.changed()).isEmpty();
    assertThat(book.find(ID)).map(Call::state).hasValue(CallState.ACCEPTED);
  }

  @Test
  void ringingDeviceGoneBeforeAcceptJustStopsRinging() {
    book.invite(A1, ID, "bob", false, null);
    book.ringing(B1, ID, null);

    Transition t = book.sessionGone(B1);

    assertThat(t.out()).isEmpty();
    assertThat(t.changed()).isEmpty();
    assertThat(book.find(ID)).map(Call::state).hasValue(CallState.RINGING);
    assertThat(book.accept(B2, ID, null).isError()).isFalse();
  }

  @Test
  void callersOtherDeviceOrAnUninvolvedSessionGoneDoesNothing() {
    accepted(B1);

    assertThat(book.sessionGone(A2).out()).isEmpty();
    assertThat(book.sessionGone(C1).out()).isEmpty();
    assertThat(book.find(ID)).isPresent();
  }

  // --- signaling ---

  @Test
  void signalBeforeAcceptIsInvalidState() {
    book.invite(A1, ID, "bob", false, null);

    assertError(book.signal(A1, ID, offer("alice"), false, "s"), A1, ErrorCode.INVALID_STATE, "s");
    assertError(book.signal(B1, ID, answer("bob"), true, "s"), B1, ErrorCode.INVALID_STATE, "s");
  }

  @Test
  void signalFromAThirdUserIsNotInCall() {
    accepted(B2);

    assertError(book.signal(C1, ID, offer("carol"), false, "s"), C1, ErrorCode.NOT_IN_CALL, "s");
  }

  @Test
  void signalFromTheCalleesOtherDeviceIsNotInCall() {
    accepted(B2);

    assertError(book.signal(B1, ID, answer("bob"), true, "s"), B1, ErrorCode.NOT_IN_CALL, "s");
  }

  @Test
  void signalFromTheCallersOtherDeviceIsNotInCall() {
    accepted(B2);

    assertError(book.signal(A2, ID, offer("alice"), false, "s"), A2, ErrorCode.NOT_IN_CALL, "s");
  }

  @Test
  void signalForAnUnknownCallIsNotInCall() {
    assertError(book.signal(A1, ID, offer("alice"), false, "s"), A1, ErrorCode.NOT_IN_CALL, "s");
  }

  @Test
  void offerGoesFromTheCallerDeviceToTheAcceptingDeviceOnly() {
    accepted(B2);

    Transition t = book.signal(A1, ID, offer("alice"), false, null);

    assertThat(t.out()).containsExactly(Outgoing.to(B2, offer("alice")));
    assertThat(t.changed()).isEmpty();
    assertThat(book.find(ID)).map(Call::state).hasValue(CallState.ACCEPTED);
  }

  @Test
  void candidatesGoBothWays() {
    accepted(B2);
    ServerMessage fromAlice = new ServerMessage.IceCandidate(ID, null, "alice");
    ServerMessage fromBob = new ServerMessage.IceCandidate(ID, null, "bob");

    assertThat(book.signal(A1, ID, fromAlice, false, null).out())
        .containsExactly(Outgoing.to(B2, fromAlice));
    assertThat(book.signal(B2, ID, fromBob, false, null).out())
        .containsExactly(Outgoing.to(A1, fromBob));
  }

  @Test
  void sdpAnswerMovesAcceptedToConnected() {
    accepted(B2);

    Transition t = book.signal(B2, ID, answer("bob"), true, null);

    assertThat(t.out()).containsExactly(Outgoing.to(A1, answer("bob")));
    assertThat(t.changed()).singleElement().extracting(Call::state).isEqualTo(CallState.CONNECTED);
    assertThat(book.find(ID)).map(Call::state).hasValue(CallState.CONNECTED);
  }

  @Test
  void laterAnswersRelayWithoutChangingTheCall() {
    accepted(B2);
    book.signal(B2, ID, answer("bob"), true, null);

    Transition t = book.signal(B2, ID, answer("bob"), true, null);

    assertThat(t.out()).containsExactly(Outgoing.to(A1, answer("bob")));
    assertThat(t.changed()).isEmpty();
  }

  @Test
  void answeredCallOfAllowsOnlyThePartiesOfAnAnsweredCall() {
    book.invite(A1, ID, "bob", false, null);
    assertThat(book.answeredCallOf(A1, ID)).isEmpty();

    book.accept(B2, ID, null);

    assertThat(book.answeredCallOf(A1, ID)).isPresent();
    assertThat(book.answeredCallOf(B2, ID)).isPresent();
    assertThat(book.answeredCallOf(B1, ID)).isEmpty();
    assertThat(book.answeredCallOf(C1, ID)).isEmpty();
    assertThat(book.answeredCallOf(A1, ID2)).isEmpty();
  }

  // --- media path ---

  @Test
  void relayRequestWithARelaySwitchesBothPartiesToTheRelay() {
    accepted(B2);
    clock.advance(Duration.ofSeconds(12));

    Transition t = book.relay(B2, ID, true, "r");

    ServerMessage media = new ServerMessage.CallMedia(ID, "relay");
    assertThat(t.out()).containsExactly(Outgoing.to(A1, media), Outgoing.to(B2, media));
    assertThat(t.changed())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.path()).isEqualTo(MediaPath.RELAY);
              assertThat(c.pathSwitchedAt()).hasValue(START.plusSeconds(12));
              assertThat(c.state()).isEqualTo(CallState.ACCEPTED);
            });
  }

  @Test
  void relayRequestOnAConnectedCallSwitchesToo() {
    accepted(B2);
    book.signal(B2, ID, answer("bob"), true, null);

    assertThat(book.relay(A1, ID, true, null).out()).hasSize(2);
    assertThat(book.find(ID)).map(Call::path).hasValue(MediaPath.RELAY);
  }

  @Test
  void relayRequestWithoutARelayEndsTheCallWithIceFailed() {
    accepted(B2);

    Transition t = book.relay(A1, ID, false, null);

    ServerMessage failed = new ServerMessage.CallEnded(ID, "ice_failed");
    assertThat(t.out()).containsExactly(Outgoing.to(A1, failed), Outgoing.to(B2, failed));
    assertEnded(t, EndReason.ICE_FAILED);
  }

  @Test
  void secondRelayRequestIsInvalidState() {
    accepted(B2);
    book.relay(A1, ID, true, null);

    assertError(book.relay(B2, ID, true, "r"), B2, ErrorCode.INVALID_STATE, "r");
  }

  @Test
  void relayRequestBeforeAcceptIsInvalidState() {
    book.invite(A1, ID, "bob", false, null);

    assertError(book.relay(A1, ID, true, "r"), A1, ErrorCode.INVALID_STATE, "r");
  }

  @Test
  void relayRequestFromANonPartyIsNotInCall() {
    accepted(B2);

    assertError(book.relay(B1, ID, true, "r"), B1, ErrorCode.NOT_IN_CALL, "r");
    assertError(book.relay(C1, ID, true, "r"), C1, ErrorCode.NOT_IN_CALL, "r");
  }

  @Test
  void mediaFailureEndsTheCallWithMediaFailed() {
    accepted(B2);

    Transition t = book.end(ID, EndReason.MEDIA_FAILED);

    ServerMessage failed = new ServerMessage.CallEnded(ID, "media_failed");
    assertThat(t.out()).containsExactly(Outgoing.to(A1, failed), Outgoing.to(B2, failed));
    assertEnded(t, EndReason.MEDIA_FAILED);
  }

  @Test
  void endingAnUnknownCallDoesNothing() {
    assertThat(book.end(ID, EndReason.MEDIA_FAILED)).isEqualTo(Transition.none());
  }

  // --- recording and policy ---

  @Test
  void recordRequestIsForbiddenWhenThePolicyDoesNotAllowIt() {
    book = new CallBook(clock, new CallPolicy(RING, false, false, false));

    assertError(book.invite(A1, ID, "bob", true, "c-1"), A1, ErrorCode.FORBIDDEN, "c-1");
    assertThat(book.callOf("alice")).isEmpty();
    assertThat(book.invite(A1, ID, "bob", false, null).isError()).isFalse();
  }

  @Test
  void recordedCallTellsTheCalleeAndUsesTheRelay() {
    Transition t = book.invite(A1, ID, "bob", true, null);

    assertThat(t.out())
        .containsExactly(Outgoing.toUser("bob", new ServerMessage.CallIncoming(ID, "alice", true)));
    assertThat(t.changed().get(0).record()).isTrue();
    assertThat(t.changed().get(0).path()).isEqualTo(MediaPath.RELAY);
  }

  @Test
  void recordAllRecordsEveryCallThroughTheRelay() {
    book = new CallBook(clock, new CallPolicy(RING, false, true, false));

    Transition t = book.invite(A1, ID, "bob", false, null);

    assertThat(t.out())
        .containsExactly(Outgoing.toUser("bob", new ServerMessage.CallIncoming(ID, "alice", true)));
    assertThat(t.changed().get(0).path()).isEqualTo(MediaPath.RELAY);
  }

  @Test
  void recordAllAcceptsAnExplicitRecordRequest() {
    book = new CallBook(clock, new CallPolicy(RING, false, true, false));

    assertThat(book.invite(A1, ID, "bob", true, null).isError()).isFalse();
  }

  @Test
  void forceRelayRoutesEveryCallThroughTheRelayWithoutRecording() {
    book = new CallBook(clock, new CallPolicy(RING, true, false, true));

    Transition t = book.invite(A1, ID, "bob", false, null);

    assertThat(t.changed().get(0).path()).isEqualTo(MediaPath.RELAY);
    assertThat(t.changed().get(0).record()).isFalse();
    book.accept(B1, ID, null);
    assertError(book.relay(A1, ID, true, "r"), A1, ErrorCode.INVALID_STATE, "r");
  }

  @Test
  void relayCallsNeedNoSwitch() {
    book.invite(A1, ID, "bob", true, null);
    book.accept(B1, ID, null);

    assertError(book.relay(A1, ID, true, "r"), A1, ErrorCode.INVALID_STATE, "r");
  }

  @Test
  void defaultPolicyRingsThirtySecondsAndAllowsRecordRequests() {
    CallPolicy p = CallPolicy.defaults();

    assertThat(p.ringTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(p.allowRecordRequests()).isTrue();
    assertThat(p.recordAll()).isFalse();
    assertThat(p.forceRelay()).isFalse();
  }

  // --- shutdown and metrics ---

  @Test
  void shutdownEndsEveryCallWithServerShutdown() {
    accepted(B2);
    book.invite(C1, ID2, "dave", false, null);

    Transition t = book.shutdown();

    ServerMessage one = new ServerMessage.CallEnded(ID, "server_shutdown");
    ServerMessage two = new ServerMessage.CallEnded(ID2, "server_shutdown");
    assertThat(t.out())
        .containsExactlyInAnyOrder(
            Outgoing.to(A1, one),
            Outgoing.to(B2, one),
            Outgoing.to(C1, two),
            Outgoing.toUser("dave", two));
    assertThat(t.changed())
        .allSatisfy(c -> assertThat(c.endReason()).hasValue(EndReason.SERVER_SHUTDOWN));
    assertThat(book.countByState().values()).allMatch(n -> n == 0L);
    assertThat(book.endCounts()).containsOnly(Map.entry(EndReason.SERVER_SHUTDOWN, 2L));
    assertThat(book.shutdown().out()).isEmpty();
  }

  @Test
  void noCallStartsAfterShutdown() {
    book.shutdown();

    // An invite the call loop had queued before it stopped still runs: it must not start a call.
    Transition t = book.invite(A1, ID, "bob", false, "c-1");

    assertError(t, A1, ErrorCode.INTERNAL, "c-1");
    assertThat(t.changed()).isEmpty();
    assertThat(book.countByState().values()).allMatch(n -> n == 0L);
  }

  @Test
  void countByStateCountsLiveCallsAndLeavesEndedOut() {
    assertThat(book.countByState())
        .containsOnly(
            Map.entry(CallState.INVITING, 0L),
            Map.entry(CallState.RINGING, 0L),
            Map.entry(CallState.ACCEPTED, 0L),
            Map.entry(CallState.CONNECTED, 0L));

    book.invite(new Party("u1", "s1"), "k1", "u2", false, null);
    book.invite(new Party("u3", "s3"), "k2", "u4", false, null);
    book.ringing(new Party("u4", "s4"), "k2", null);
    book.invite(new Party("u5", "s5"), "k3", "u6", false, null);
    book.accept(new Party("u6", "s6"), "k3", null);
    book.invite(new Party("u7", "s7"), "k4", "u8", false, null);
    book.accept(new Party("u8", "s8"), "k4", null);
    book.signal(new Party("u8", "s8"), "k4", answer("u8"), true, null);
    book.invite(new Party("u9", "s9"), "k5", "u10", false, null);
    book.hangup(new Party("u9", "s9"), "k5", null);

    assertThat(book.countByState())
        .containsOnly(
            Map.entry(CallState.INVITING, 1L),
            Map.entry(CallState.RINGING, 1L),
            Map.entry(CallState.ACCEPTED, 1L),
            Map.entry(CallState.CONNECTED, 1L));
  }

  @Test
  void everyEndReasonIsReachableAndCounted() {
    int n = 0;
    // hangup
    n =
        scenario(
            n,
            (caller, callId, callee) -> {
              book.accept(callee, callId, null);
              book.hangup(caller, callId, null);
            });
    // cancelled
    n = scenario(n, (caller, callId, callee) -> book.hangup(caller, callId, null));
    // rejected + declined_elsewhere (sent, not counted)
    n = scenario(n, (caller, callId, callee) -> book.reject(callee, callId, null));
    // timeout
    n =
        scenario(
            n,
            (caller, callId, callee) -> {
              clock.advance(RING);
              book.tick();
            });
    // ice_failed
    n =
        scenario(
            n,
            (caller, callId, callee) -> {
              book.accept(callee, callId, null);
              book.relay(caller, callId, false, null);
            });
    // media_failed
    n =
        scenario(
            n,
            (caller, callId, callee) -> {
              book.accept(callee, callId, null);
              book.end(callId, EndReason.MEDIA_FAILED);
            });
    // connection_lost
    n = scenario(n, (caller, callId, callee) -> book.sessionGone(caller));
    // busy and glare
    book.invite(new Party("x1", "x1s"), "busy-1", "x2", false, null);
    book.invite(new Party("x3", "x3s"), "busy-2", "x2", false, null);
    book.invite(new Party("x2", "x2s"), "glare-0", "x1", false, null);
    // server_shutdown: this call and the glare survivor (glare-0, accepted at once)
    book.invite(new Party("y1", "y1s"), "down-1", "y2", false, null);
    book.shutdown();

    EnumSet<EndReason> counted = EnumSet.copyOf(book.endCounts().keySet());
    assertThat(counted)
        .containsExactlyInAnyOrder(
            EndReason.HANGUP,
            EndReason.CANCELLED,
            EndReason.REJECTED,
            EndReason.BUSY,
            EndReason.TIMEOUT,
            EndReason.GLARE,
            EndReason.ICE_FAILED,
            EndReason.MEDIA_FAILED,
            EndReason.CONNECTION_LOST,
            EndReason.SERVER_SHUTDOWN);
    assertThat(book.endCounts()).containsEntry(EndReason.SERVER_SHUTDOWN, 2L);
    assertThat(book.endCounts())
        .allSatisfy((r, c) -> assertThat(c).isEqualTo(r == EndReason.SERVER_SHUTDOWN ? 2L : 1L));
    assertThat(n).isEqualTo(7);
  }

  @Test
  void answeredAndDeclinedElsewhereAreSentButNotCountedAsCallEnds() {
    book.invite(A1, ID, "bob", false, null);
    Transition accept = book.accept(B1, ID, null);
    book.invite(C1, ID2, "dave", false, null);
    Transition reject = book.reject(new Party("dave", "d1"), ID2, null);

    assertThat(accept.out())
        .extracting(Outgoing::message)
        .contains(new ServerMessage.CallEnded(ID, "answered_elsewhere"));
    assertThat(reject.out())
        .extracting(Outgoing::message)
        .contains(new ServerMessage.CallEnded(ID2, "declined_elsewhere"));
    assertThat(book.endCounts())
        .doesNotContainKeys(EndReason.ANSWERED_ELSEWHERE, EndReason.DECLINED_ELSEWHERE)
        .containsOnly(Map.entry(EndReason.REJECTED, 1L));
  }

  @Test
  void endCountsIsACopy() {
    book.invite(A1, ID, "bob", false, null);
    book.hangup(A1, ID, null);

    book.endCounts().clear();

    assertThat(book.endCounts()).containsEntry(EndReason.CANCELLED, 1L);
  }

  @Test
  void errorTransitionsAreRecognisedAsErrors() {
    assertThat(Transition.none().isError()).isFalse();
    assertThat(book.invite(A1, ID, "alice", false, null).isError()).isTrue();
    assertThat(book.invite(A1, ID, "bob", false, null).isError()).isFalse();
  }

  // --- helpers ---

  /** Alice's device a1 called bob; {@code device} accepted at START. */
  private void accepted(Party device) {
    book.invite(A1, ID, "bob", false, null);
    book.ringing(B1, ID, null);
    Transition t = book.accept(device, ID, null);
    assertThat(t.isError()).isFalse();
  }

  private interface Scenario {
    void run(Party caller, String callId, Party callee);
  }

  private int scenario(int n, Scenario s) {
    Party caller = new Party("caller" + n, "cs" + n);
    Party callee = new Party("callee" + n, "ce" + n);
    String callId = "call-" + n;
    book.invite(caller, callId, callee.user(), false, null);
    s.run(caller, callId, callee);
    assertThat(book.find(callId)).as("call %s ended", callId).isEmpty();
    return n + 1;
  }

  private static ServerMessage offer(String from) {
    return new ServerMessage.SdpOffer(ID, "v=0\r\n", from);
  }

  private static ServerMessage answer(String from) {
    return new ServerMessage.SdpAnswer(ID, "v=0\r\n", from);
  }

  private static void assertError(Transition t, Party to, ErrorCode code, String re) {
    assertThat(t.isError()).as("an error transition").isTrue();
    assertThat(t.changed()).isEmpty();
    Outgoing o = t.out().get(0);
    assertThat(o.user()).isEqualTo(to.user());
    assertThat(o.session()).hasValue(to.session());
    ServerMessage.Error e = (ServerMessage.Error) o.message();
    assertThat(e.code()).isEqualTo(code.wire());
    assertThat(e.re()).isEqualTo(re);
    assertThat(e.message()).isNotBlank();
  }

  private void assertEnded(Transition t, EndReason reason) {
    assertThat(t.changed()).isNotEmpty();
    Call c = t.changed().get(t.changed().size() - 1);
    assertThat(c.state()).isEqualTo(CallState.ENDED);
    assertThat(c.endReason()).hasValue(reason);
    assertThat(c.endedAt()).hasValue(clock.instant());
    assertThat(book.find(c.callId())).isEmpty();
    assertThat(book.callOf(c.caller().user())).isEmpty();
    assertThat(book.callOf(c.callee())).isEmpty();
    assertThat(book.endCounts()).containsEntry(reason, 1L);
  }
}
