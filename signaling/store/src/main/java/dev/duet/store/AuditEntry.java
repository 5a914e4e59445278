package dev.duet.store;

import java.time.Instant;
import java.util.Objects;

/**
 * One line of the audit log: who did what to what, when.
 *
 * @param entryId the entry's id, growing in the order entries were appended
 * @param actor the acting user (a moderator) or {@code system}
 * @param action what was done, e.g. {@code recording.view}, {@code recording.flag}
 * @param targetType the kind of thing acted on, e.g. {@code recording}, {@code call}, {@code user}
 * @param targetId the id of the thing acted on
 * @param at when it was done
 * @param detail free-form detail, possibly empty; must not carry secrets
 */
public record AuditEntry(
    long entryId,
    String actor,
    String action,
    String targetType,
    String targetId,
    Instant at,
    String detail) {

  public AuditEntry {
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(targetType, "targetType");
    Objects.requireNonNull(targetId, "targetId");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(detail, "detail");
  }
}
