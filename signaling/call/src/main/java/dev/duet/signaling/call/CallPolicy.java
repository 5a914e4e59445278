package dev.duet.signaling.call;

import java.time.Duration;

/**
 * The rules a deployment sets for calls.
 *
 * @param ringTimeout how long a call rings before it ends with {@code timeout}
 * @param allowRecordRequests whether {@code call.invite} may ask for {@code record: true}
 * @param recordAll record every call (through the relay)
 * @param forceRelay route every call's media through the relay from the start
 */
public record CallPolicy(
    Duration ringTimeout, boolean allowRecordRequests, boolean recordAll, boolean forceRelay) {

  public static CallPolicy defaults() {
    return new CallPolicy(Duration.ofSeconds(30), true, false, false);
  }

  public CallPolicy withRingTimeout(Duration timeout) {
    return new CallPolicy(timeout, allowRecordRequests, recordAll, forceRelay);
  }
}
