package dev.duet.signaling.call;

/** One device of a user: the user id and the session the device is connected with. */
public record Party(String user, String session) {}
