package dev.duet.signaling.call;

/** The states of a call, in the order a call normally passes through them. */
public enum CallState {
  /** Invited; no device of the callee has reported ringing yet. */
  INVITING,
  /** At least one device of the callee is ringing. */
  RINGING,
  /** A callee device accepted; media negotiation under way. */
  ACCEPTED,
  /** Offer and answer were exchanged: media is being set up or flowing. */
  CONNECTED,
  /** Over; the call has an end reason. */
  ENDED;

  /** True before a callee device has accepted. */
  public boolean ringing() {
    return this == INVITING || this == RINGING;
  }

  /** True once accepted and until ended. */
  public boolean answered() {
    return this == ACCEPTED || this == CONNECTED;
  }
}
