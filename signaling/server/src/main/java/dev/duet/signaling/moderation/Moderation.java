package dev.duet.signaling.moderation;

import dev.duet.signaling.moderation.ModerationException.Kind;
import dev.duet.store.AuditEntry;
import dev.duet.store.AuditLog;
import dev.duet.store.Recording;
import dev.duet.store.RecordingFlag;
import dev.duet.store.RecordingQuery;
import dev.duet.store.RecordingStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What moderators do with recordings, each action written to the audit log (who, what, when): list,
 * view, play, flag, unflag, hold, release, delete; and what the server does by itself (expire, as
 * actor {@code system}). The REST API is a thin shell over this. Thread-safe.
 *
 * <p>Audit actions: {@code recording.list}, {@code recording.view}, {@code recording.play}, {@code
 * recording.flag}, {@code recording.unflag}, {@code recording.hold}, {@code recording.release},
 * {@code recording.delete}, {@code recording.expire} (and {@code recording.catalogue} from {@link
 * RecordingCatalog}). The target type is {@code recording}; a listing's target id is {@code *}.
 */
public final class Moderation {
  private static final Logger LOG = LoggerFactory.getLogger(Moderation.class);

  /** The audit log's target type for recordings. */
  public static final String TARGET = "recording";

  private final RecordingStore store;
  private final AuditLog audit;
  private final RecordingFiles files;
  private final Clock clock;

  public Moderation(RecordingStore store, AuditLog audit, RecordingFiles files, Clock clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.audit = Objects.requireNonNull(audit, "audit");
    this.files = Objects.requireNonNull(files, "files");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** One page of a listing and how many match in all. */
  public record Page(List<Recording> recordings, long total) {}

  /** A recording with what a moderator sees next to it. */
  public record Details(Recording recording, List<RecordingFlag> flags, List<Recording> ofCall) {}

  /** The file to play, and its catalogue entry. */
  public record Media(Recording recording, Path file) {}

  public Page list(String moderator, RecordingQuery query, String description) {
    List<Recording> page = store.list(query);
    long total = store.count(query);
    record(moderator, "recording.list", "*", description);
    return new Page(page, total);
  }

  public Details view(String moderator, String recordingId) {
    Recording r = existing(recordingId);
    record(moderator, "recording.view", recordingId, "");
    return new Details(r, store.flags(recordingId), store.forCall(r.callId()));
  }

  /**
   * The file of a recording, to play; not audited by itself (a player makes many range requests for
   * one play): call {@link #played} for the request that starts playing.
   */
  public Media media(String recordingId) {
    Recording r = existing(recordingId);
    if (r.deleted()) {
      throw new ModerationException(Kind.GONE, "recording deleted");
    }
    Path file =
        files
            .resolve(r.filePath())
            .orElseThrow(() -> new ModerationException(Kind.NOT_FOUND, "recording has no file"));
    return new Media(r, file);
  }

  /** Records that a moderator started playing a recording. */
  public void played(String moderator, String recordingId, String detail) {
    record(moderator, "recording.play", recordingId, detail);
  }

  public RecordingFlag flag(String moderator, String recordingId, String reason, String note) {
    existing(recordingId);
    RecordingFlag flag =
        store
            .flag(recordingId, moderator, reason, note, clock.instant())
            .orElseThrow(() -> new ModerationException(Kind.NOT_FOUND, "no such recording"));
    record(moderator, "recording.flag", recordingId, reason + (note.isEmpty() ? "" : ": " + note));
    return flag;
  }

  /** Lowers the flag; true when it was raised. */
  public boolean unflag(String moderator, String recordingId) {
    existing(recordingId);
    boolean changed = store.clearFlag(recordingId);
    record(moderator, "recording.unflag", recordingId, changed ? "" : "was not flagged");
    return changed;
  }

  /** Places ({@code hold}) or releases legal hold; returns the recording as it is now. */
  public Recording hold(String moderator, String recordingId, boolean hold, String note) {
    Recording r = existing(recordingId);
    if (hold && r.deleted()) {
      throw new ModerationException(Kind.GONE, "recording deleted");
    }
    boolean changed = store.setLegalHold(recordingId, hold);
    record(
        moderator,
        hold ? "recording.hold" : "recording.release",
        recordingId,
        (changed ? "" : hold ? "already on hold" : "was not on hold")
            + (note.isEmpty() ? "" : (changed ? "" : "; ") + note));
    return existing(recordingId);
  }

  /**
   * Deletes a recording: marks it deleted in the catalogue (the entry stays for the record), then
   * deletes its file. Refused for a recording under legal hold.
   */
  public Recording delete(String moderator, String recordingId) {
    return remove(moderator, "recording.delete", existing(recordingId));
  }

  /** Deletes an expired recording (actor {@code system}); false when it is on hold or gone. */
  boolean expire(Recording r, String why) {
    try {
      remove(RecordingCatalog.SYSTEM, "recording.expire", r, why);
      return true;
    } catch (ModerationException e) {
      return false;
    }
  }

  private Recording remove(String actor, String action, Recording r) {
    return remove(actor, action, r, "");
  }

  private Recording remove(String actor, String action, Recording r, String why) {
    String id = r.recordingId();
    if (r.deleted()) {
      throw new ModerationException(Kind.GONE, "recording already deleted");
    }
    if (r.legalHold()) {
      throw new ModerationException(Kind.CONFLICT, "recording is under legal hold");
    }
    if (!store.markDeleted(id, clock.instant())) {
      Recording now = existing(id);
      throw now.legalHold()
          ? new ModerationException(Kind.CONFLICT, "recording is under legal hold")
          : new ModerationException(Kind.GONE, "recording already deleted");
    }
    String file;
    Optional<Path> path = files.resolve(r.filePath());
    if (path.isEmpty()) {
      file = "no file to delete";
    } else {
      try {
        Files.deleteIfExists(path.get());
        file = "file deleted";
      } catch (IOException e) {
        LOG.error("Recording {}: cannot delete its file {}", id, path.get(), e);
        file = "file NOT deleted: " + e.getMessage();
      }
    }
    record(actor, action, id, (why.isEmpty() ? "" : why + "; ") + file + " (" + r.filePath() + ")");
    return existing(id);
  }

  /** The audit log, newest first: all of it, or one recording's. Reading it is not audited. */
  public List<AuditEntry> audit(Optional<String> recordingId, OptionalLong before, int limit) {
    return recordingId.isPresent()
        ? audit.forTarget(TARGET, recordingId.get(), before, limit)
        : audit.list(before, limit);
  }

  private Recording existing(String recordingId) {
    return store
        .find(recordingId)
        .orElseThrow(() -> new ModerationException(Kind.NOT_FOUND, "no such recording"));
  }

  private void record(String actor, String action, String recordingId, String detail) {
    audit.append(
        actor, action, TARGET, recordingId, clock.instant(), RecordingCatalog.clip(detail));
  }
}
