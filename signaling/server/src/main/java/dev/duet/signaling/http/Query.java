package dev.duet.signaling.http;

import org.eclipse.jetty.util.Fields;

/** Query parameters of the REST API. */
public final class Query {
  private Query() {}

  /** The value of {@code name}; an empty value counts as absent (null), on every endpoint. */
  public static String value(Fields q, String name) {
    String v = q.getValue(name);
    return v == null || v.isEmpty() ? null : v;
  }
}
