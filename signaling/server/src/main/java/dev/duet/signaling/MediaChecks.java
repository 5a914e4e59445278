package dev.duet.signaling;

import dev.duet.protocol.Candidate;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What signaling checks of SDP and ICE candidates before relaying them to the other party: the
 * shape only (the browsers and the media server judge the content), so that garbage, control
 * characters or markup never reach the peer's page as if they were a description.
 */
final class MediaChecks {
  /** An SDP line: a type letter, '=', then text without control characters (tabs allowed). */
  private static final Pattern SDP_LINE = Pattern.compile("[a-z]=[^\\x00-\\x08\\x0a-\\x1f\\x7f]*");

  private static final Pattern NO_CONTROL = Pattern.compile("[^\\x00-\\x1f\\x7f]*");
  static final int MAX_CANDIDATE_CHARS = 1024;
  static final int MAX_MID_CHARS = 64;
  static final int MAX_MLINE_INDEX = 1023;

  private MediaChecks() {}

  /** Why {@code sdp} is not a session description (RFC 8866 line syntax), or empty. */
  static Optional<String> sdpProblem(String sdp) {
    String[] lines = sdp.split("\n", -1);
    if (!strip(lines[0]).equals("v=0")) {
      return Optional.of("invalid SDP: the first line must be v=0");
    }
    for (int i = 1; i < lines.length; i++) {
      String line = strip(lines[i]);
      if (line.isEmpty() && i == lines.length - 1) {
        continue; // the final line break
      }
      if (!SDP_LINE.matcher(line).matches()) {
        return Optional.of("invalid SDP: line " + (i + 1) + " is not <type>=<value>");
      }
    }
    return Optional.empty();
  }

  /** Why {@code c} is not an ICE candidate, or empty (null means end of candidates: fine). */
  static Optional<String> candidateProblem(Candidate c) {
    if (c == null) {
      return Optional.empty();
    }
    String text = c.candidate();
    if (!text.isEmpty() && !text.startsWith("candidate:")) {
      return Optional.of("invalid candidate: must start with 'candidate:' (or be empty)");
    }
    if (text.length() > MAX_CANDIDATE_CHARS || !NO_CONTROL.matcher(text).matches()) {
      return Optional.of(
          "invalid candidate: over " + MAX_CANDIDATE_CHARS + " characters or not text");
    }
    if (c.sdpMid() != null
        && (c.sdpMid().length() > MAX_MID_CHARS || !NO_CONTROL.matcher(c.sdpMid()).matches())) {
      return Optional.of(
          "invalid candidate: sdpMid over " + MAX_MID_CHARS + " characters or not text");
    }
    if (c.sdpMLineIndex() != null
        && (c.sdpMLineIndex() < 0 || c.sdpMLineIndex() > MAX_MLINE_INDEX)) {
      return Optional.of("invalid candidate: sdpMLineIndex must be 0-" + MAX_MLINE_INDEX);
    }
    return Optional.empty();
  }

  private static String strip(String line) {
    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
  }
}
