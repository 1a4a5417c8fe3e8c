package io.tokenmeter.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

/** The guard's rules on the heap, and its round trip through what it writes to the logged store. */
class TenantGuardTest {

  private static final long M = 29_000_000L; // an epoch minute in 2025
  private static final int KEY =
      1; // the slot of api_key_fingerprint in TenantGuard.TENANT_DIMENSIONS

  /** The logged store, as the guard's writes leave it. */
  private final Map<Bytes, byte[]> store = new TreeMap<>();

  private void commit(TenantGuard guard) {
    guard.writeChanges((key, value) -> {
      if (value == null) {
        store.remove(key);
      } else {
        store.put(key, value);
      }
    });
  }

  private static boolean admit(
      TenantGuard guard, String org, String project, String key, long minute) {
    return guard.admit(guard.tenant(org, project, minute), KEY, key, minute);
  }

  @Test
  void oneTenantsFloodFoldsOnlyThatTenantsValues() {
    TenantGuard guard = new TenantGuard(10, 2, 60);
    assertThat(admit(guard, "org-flood", "p1", "k1", M)).isTrue();
    assertThat(admit(guard, "org-flood", "p1", "k2", M)).isTrue();
    assertThat(admit(guard, "org-flood", "p1", "k3", M)).isFalse();
    assertThat(admit(guard, "org-flood", "p1", "k1", M))
        .as("a tracked value stays admitted")
        .isTrue();
    assertThat(admit(guard, "org-flood", "p2", "k3", M))
        .as("another project has its own budget")
        .isTrue();
    assertThat(admit(guard, "org-b", "p1", "k3", M)).isTrue();
    assertThat(admit(guard, "org-b", "p1", "", M))
        .as("the empty value takes no slot")
        .isTrue();
    assertThat(guard.trackedValues("org-b", "p1", KEY)).isEqualTo(1);
  }

  @Test
  void orgsAndTenantsBeyondThePerTaskBudgetCountUnderOther() {
    TenantGuard guard = new TenantGuard(2, 5, 60);
    assertThat(guard.tenant("org-1", "p1", M).projectId).isEqualTo("p1");
    assertThat(guard.tenant("org-1", "p2", M).projectId).isEqualTo("p2");
    TenantGuard.Tenant projectFolded = guard.tenant("org-1", "p3", M);
    assertThat(projectFolded.orgId()).isEqualTo("org-1");
    assertThat(projectFolded.projectId).isEqualTo("__other__");
    assertThat(guard.tenant("org-2", "p1", M).projectId)
        .as("tenants are full")
        .isEqualTo("__other__");
    TenantGuard.Tenant orgFolded = guard.tenant("org-3", "p1", M);
    assertThat(orgFolded.orgId()).isEqualTo("__other__");
    assertThat(orgFolded.projectId).isEqualTo("__other__");
    assertThat(guard.trackedOrgs()).isEqualTo(2);
    assertThat(guard.trackedTenants()).isEqualTo(2);
  }

  @Test
  void aValueNotSeenForTheExpiryFreesItsSlotAndItsTombstoneReachesTheStore() {
    TenantGuard guard = new TenantGuard(10, 1, 60);
    assertThat(admit(guard, "org-1", "p1", "old-key", M)).isTrue();
    assertThat(admit(guard, "org-1", "p1", "keep-alive", M + 30))
        .as("budget of one is full")
        .isFalse();
    commit(guard);
    int withOldKey = store.size();

    // 59 minutes after it was last seen, the old key still holds its slot.
    assertThat(admit(guard, "org-1", "p1", "new-key", M + 59)).isFalse();
    // 60 minutes: it frees it.
    assertThat(admit(guard, "org-1", "p1", "new-key", M + 60)).isTrue();
    commit(guard);
    assertThat(store).hasSize(withOldKey); // one tombstone, one new value
    assertThat(guard.trackedValues("org-1", "p1", KEY)).isEqualTo(1);
  }

  @Test
  void anOrgNotSeenForTheExpiryFreesItsSlotWithEverythingUnderIt() {
    TenantGuard guard = new TenantGuard(1, 5, 60);
    admit(guard, "org-gone", "p1", "k1", M);
    assertThat(guard.tenant("org-new", "p1", M + 10).orgId()).isEqualTo("__other__");
    commit(guard);

    assertThat(guard.tenant("org-new", "p1", M + 70).orgId()).isEqualTo("org-new");
    commit(guard);
    assertThat(guard.trackedOrgs()).isEqualTo(1);
    assertThat(guard.trackedValues("org-gone", "p1", KEY)).isZero();
    TenantGuard reloaded = new TenantGuard(1, 5, 60);
    reloaded.load(store.entrySet().iterator());
    assertThat(reloaded.trackedValues("org-gone", "p1", KEY))
        .as("its tombstones reached the store")
        .isZero();
  }

  @Test
  void aRestartedGuardAdmitsWhatWasAdmittedAndFoldsWhatWasFolded() {
    TenantGuard before = new TenantGuard(10, 2, 60);
    admit(before, "org-1", "p1", "k1", M);
    admit(before, "org-1", "p1", "k2", M + 5);
    admit(before, "org-1", "p1", "k1", M + 20); // seen again: its last-seen minute is written too
    commit(before);

    TenantGuard after = new TenantGuard(10, 2, 60);
    after.load(store.entrySet().iterator());
    assertThat(admit(after, "org-1", "p1", "k1", M + 21)).isTrue();
    assertThat(admit(after, "org-1", "p1", "k2", M + 21)).isTrue();
    assertThat(admit(after, "org-1", "p1", "k3", M + 21)).isFalse();
    assertThat(after.trackedOrgs()).isEqualTo(1);
    assertThat(after.trackedTenants()).isEqualTo(1);

    // The last-seen minutes survived too: k2 (seen at M+5, M+21 now) expires before k1 would.
    TenantGuard fresh = new TenantGuard(10, 2, 60);
    fresh.load(store.entrySet().iterator());
    assertThat(admit(fresh, "org-1", "p1", "k3", M + 65))
        .as("k2 expired at M+65, k1 is kept until M+80")
        .isTrue();
    assertThat(admit(fresh, "org-1", "p1", "k4", M + 66)).isFalse();
  }

  @Test
  void aKeyExpiredAndAdmittedAgainBeforeTheCommitIsStored() {
    TenantGuard guard = new TenantGuard(10, 5, 60);
    admit(guard, "org-1", "p1", "k1", M);
    commit(guard);
    admit(
        guard, "org-1", "p1", "other",
        M + 61); // k1, org and tenant expire... but the event refreshes org and tenant
    admit(guard, "org-1", "p1", "k1", M + 61);
    commit(guard);
    TenantGuard reloaded = new TenantGuard(10, 1, 60);
    reloaded.load(store.entrySet().iterator());
    assertThat(reloaded.trackedValues("org-1", "p1", KEY)).isEqualTo(2);
  }
}
