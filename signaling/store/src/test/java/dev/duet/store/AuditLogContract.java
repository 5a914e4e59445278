package dev.duet.store;

import static dev.duet.store.StoreFixtures.at;
import static dev.duet.store.StoreFixtures.millis;
import static dev.duet.store.StoreFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link AuditLog} must do. Subclasses supply an open database. */
abstract class AuditLogContract {
  private AuditLog audit;
  private String moderator;

  protected abstract Database database();

  @BeforeEach
  void setUp() {
    audit = database().audit();
    moderator = unique("mod");
  }

  @Test
  void appendReturnsTheEntryWithAGrowingId() {
    AuditEntry first = audit.append(moderator, "recording.view", "recording", "r1", at(0), "");
    AuditEntry second =
        audit.append(moderator, "recording.flag", "recording", "r1", at(1), "reason=abuse ✓");

    assertThat(first)
        .isEqualTo(
            new AuditEntry(
                first.entryId(),
                moderator,
                "recording.view",
                "recording",
                "r1",
                millis(at(0)),
                ""));
    assertThat(second.entryId()).isGreaterThan(first.entryId());
    assertThat(second.detail()).isEqualTo("reason=abuse ✓");
  }

  @Test
  void listPagesNewestFirstWithBefore() {
    List<AuditEntry> appended = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      appended.add(audit.append(moderator, "a" + i, "call", unique("call"), at(i), ""));
    }
    // Entries of other tests are older (ids grow), so paging from just after ours sees ours first.
    OptionalLong afterOurs = OptionalLong.of(appended.get(4).entryId() + 1);

    List<AuditEntry> page1 = audit.list(afterOurs, 3);
    assertThat(page1).containsExactly(appended.get(4), appended.get(3), appended.get(2));
    List<AuditEntry> page2 = audit.list(OptionalLong.of(page1.get(2).entryId()), 2);
    assertThat(page2).containsExactly(appended.get(1), appended.get(0));
    assertThat(audit.list(OptionalLong.empty(), 1)).hasSize(1);
  }

  @Test
  void forTargetListsOnlyThatTargetNewestFirst() {
    String recording = unique("rec");
    AuditEntry view = audit.append(moderator, "recording.view", "recording", recording, at(0), "");
    audit.append(moderator, "recording.view", "recording", unique("rec"), at(1), "");
    audit.append(moderator, "user.view", "user", recording, at(2), "same id, other type");
    AuditEntry flag = audit.append(moderator, "recording.flag", "recording", recording, at(3), "");
    AuditEntry hold =
        audit.append(unique("mod"), "recording.hold", "recording", recording, at(4), "");

    assertThat(audit.forTarget("recording", recording, OptionalLong.empty(), 10))
        .containsExactly(hold, flag, view);
    assertThat(audit.forTarget("recording", recording, OptionalLong.of(hold.entryId()), 1))
        .containsExactly(flag);
    assertThat(audit.forTarget("call", recording, OptionalLong.empty(), 10)).isEmpty();
  }
}
