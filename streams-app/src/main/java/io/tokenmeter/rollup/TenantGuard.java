package io.tokenmeter.rollup;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.utils.Bytes;

/**
 * The cardinality guard's state, on the heap: which values one task tracks, and when each was last
 * seen (epoch minute of event time). Plain Java, so the rules can be tested without Kafka; {@link
 * TenantGuardStore} loads it once and writes its changes to the logged store at every commit.
 *
 * <p>The rules:
 *
 * <ul>
 *   <li>The tenant dimensions are guarded per task: at most {@code maxTenantValues} org ids and
 *       {@code maxTenantValues} (org id, project id) tenants. A new org beyond that makes the
 *       event's tenant ({@code __other__}, {@code __other__}); a new project beyond it makes it
 *       (org, {@code __other__}).
 *   <li>Each tenant, the {@code __other__} ones included, tracks at most {@code maxPerTenant}
 *       values of each of model, API key fingerprint and service; a new value beyond that folds
 *       into {@code __other__}. One tenant's flood therefore folds only that tenant's values.
 *   <li>The empty value and {@code __other__} itself take no slot.
 *   <li>A value not seen for {@code expireAfterMinutes} minutes of event time frees its slot. An
 *       org or tenant expires with everything under it (an event of theirs would have refreshed
 *       them too). Expiry runs when event time enters a new minute and only when the oldest
 *       last-seen minute can have expired, never per event.
 * </ul>
 *
 * <p>Per event: a few hash lookups and no allocation, unless a value is new or folds. A value's
 * last-seen minute changes at most once per minute on the heap, and it is queued for the store
 * only once it is a 16th of the expiry period newer than the stored one: after a restart a value
 * may expire that much early, and in exchange a commit does not rewrite every value in use.
 */
final class TenantGuard {

  /** The dimensions each tenant guards, as indexes of {@link Dimensions#get(int)}. */
  static final int[] TENANT_DIMENSIONS = {0, 3, 4};

  private static final int ORG = 'o';
  private static final int TENANT = 't';
  private static final int VALUE = 'v';
  private static final long NONE = Long.MIN_VALUE;

  /** Something the guard tracks: an org, a tenant or a value of one tenant's dimension. */
  abstract static class Tracked {
    long lastSeen;
    /** The last-seen minute the store holds. */
    long storedLastSeen = NONE;
    /** Queued to be written to the store at the next commit. */
    boolean dirty;
    /** Expired: it must not be written again. */
    boolean removed;

    abstract void writeKey(BinaryWriter w);

    final Bytes key() {
      BinaryWriter w = new BinaryWriter(64);
      writeKey(w);
      return Bytes.wrap(w.toByteArray());
    }
  }

  static final class Org extends Tracked {
    final String orgId;
    final Map<String, Tenant> tenants = new HashMap<>();

    Org(String orgId) {
      this.orgId = orgId;
    }

    @Override
    void writeKey(BinaryWriter w) {
      w.writeByte(ORG).writeString(orgId);
    }
  }

  /** One (org id, project id) and its tracked values, with what the processor attaches to it. */
  static final class Tenant extends Tracked {
    final Org org;
    final String projectId;

    @SuppressWarnings("unchecked")
    final Map<String, Value>[] values = new Map[TENANT_DIMENSIONS.length];
    /** The per-tenant folded-events sensor, created when the tenant first folds (processor-owned). */
    Sensor sensor;

    Tenant(Org org, String projectId) {
      this.org = org;
      this.projectId = projectId;
      for (int i = 0; i < values.length; i++) {
        values[i] = new HashMap<>();
      }
    }

    String orgId() {
      return org.orgId;
    }

    @Override
    void writeKey(BinaryWriter w) {
      w.writeByte(TENANT).writeString(org.orgId).writeString(projectId);
    }
  }

  static final class Value extends Tracked {
    final Tenant tenant;
    final int slot;
    final String value;

    Value(Tenant tenant, int slot, String value) {
      this.tenant = tenant;
      this.slot = slot;
      this.value = value;
    }

    @Override
    void writeKey(BinaryWriter w) {
      w.writeByte(VALUE)
          .writeString(tenant.org.orgId)
          .writeString(tenant.projectId)
          .writeByte(slot)
          .writeString(value);
    }
  }

  /** Called with each tenant that expires, so its sensor can be removed. */
  interface TenantRemoved {
    void removed(Tenant tenant);
  }

  private final int maxTenantValues;
  private final int maxPerTenant;
  private final long expireAfterMinutes;
  /**
   * How many minutes a stored last-seen may lag the one on the heap: a 16th of the expiry period,
   * so a restored value expires at most that much early.
   */
  private final long writeEvery;

  private final Map<String, Org> orgs = new HashMap<>();
  private int trackedOrgs;
  private int trackedTenants;
  private long currentMinute = NONE;
  /** No tracked value was last seen before this minute; expiry need not look before it. */
  private long oldestLastSeen = Long.MAX_VALUE;

  private final List<Tracked> dirty = new ArrayList<>();
  private final List<Bytes> tombstones = new ArrayList<>();
  private TenantRemoved onTenantRemoved = t -> {};

  TenantGuard(int maxTenantValues, int maxPerTenant, long expireAfterMinutes) {
    this.maxTenantValues = maxTenantValues;
    this.maxPerTenant = maxPerTenant;
    this.expireAfterMinutes = expireAfterMinutes;
    this.writeEvery = Math.max(1, expireAfterMinutes / 16);
  }

  void onTenantRemoved(TenantRemoved listener) {
    this.onTenantRemoved = listener;
  }

  /**
   * The tenant an event of {@code orgId}/{@code projectId} at {@code minute} counts under, after
   * the tenant guard: its own, (org, {@code __other__}) or ({@code __other__}, {@code __other__}).
   * Compare {@link Tenant#orgId()} and {@link Tenant#projectId} with the event's to see what folded.
   */
  Tenant tenant(String orgId, String projectId, long minute) {
    advanceTo(minute);
    Org org = orgs.get(orgId);
    if (org == null) {
      boolean counts = takesSlot(orgId);
      if (counts && trackedOrgs >= maxTenantValues) {
        org = otherOrg(minute);
        return tenantOf(org, Dimensions.OTHER, minute, false);
      }
      org = new Org(orgId);
      orgs.put(orgId, org);
      if (counts) {
        trackedOrgs++;
      }
      added(org, minute);
    } else {
      seen(org, minute);
    }
    if (Dimensions.OTHER.equals(orgId)) {
      return tenantOf(org, Dimensions.OTHER, minute, false);
    }
    return tenantOf(org, projectId, minute, true);
  }

  private Org otherOrg(long minute) {
    Org org = orgs.get(Dimensions.OTHER);
    if (org == null) {
      org = new Org(Dimensions.OTHER);
      orgs.put(Dimensions.OTHER, org);
      added(org, minute);
    } else {
      seen(org, minute);
    }
    return org;
  }

  private Tenant tenantOf(Org org, String projectId, long minute, boolean guarded) {
    Tenant tenant = org.tenants.get(projectId);
    if (tenant == null) {
      boolean counts = guarded && takesSlot(projectId);
      if (counts && trackedTenants >= maxTenantValues) {
        return tenantOf(org, Dimensions.OTHER, minute, false);
      }
      tenant = new Tenant(org, projectId);
      org.tenants.put(projectId, tenant);
      if (counts) {
        trackedTenants++;
      }
      added(tenant, minute);
    } else {
      seen(tenant, minute);
    }
    return tenant;
  }

  /**
   * Whether {@code value} of the tenant dimension {@code slot} (an index into {@link
   * #TENANT_DIMENSIONS}) keeps its name; false means it folds into {@code __other__}.
   */
  boolean admit(Tenant tenant, int slot, String value, long minute) {
    if (!takesSlot(value)) {
      return true;
    }
    Map<String, Value> values = tenant.values[slot];
    Value v = values.get(value);
    if (v != null) {
      seen(v, minute);
      return true;
    }
    if (values.size() >= maxPerTenant) {
      return false;
    }
    v = new Value(tenant, slot, value);
    values.put(value, v);
    added(v, minute);
    return true;
  }

  private static boolean takesSlot(String value) {
    return !value.isEmpty() && !Dimensions.OTHER.equals(value);
  }

  private void added(Tracked t, long minute) {
    t.lastSeen = minute;
    oldestLastSeen = Math.min(oldestLastSeen, minute);
    t.dirty = true;
    dirty.add(t);
  }

  private void seen(Tracked t, long minute) {
    if (minute > t.lastSeen) {
      t.lastSeen = minute;
      // The store only needs last-seen to the precision of expiry: writing every value again in
      // every minute it is used put tens of thousands of writes into the commit after each minute
      // boundary, beside that minute's final rollups.
      if (!t.dirty && minute - t.storedLastSeen >= writeEvery) {
        t.dirty = true;
        dirty.add(t);
      }
    }
  }

  /** Moves the guard's event time to {@code minute} if later, expiring what that makes old enough. */
  void advanceTo(long minute) {
    if (minute <= currentMinute) {
      return;
    }
    currentMinute = minute;
    long expiredUpTo = minute - expireAfterMinutes;
    if (oldestLastSeen <= expiredUpTo) {
      expire(expiredUpTo);
    }
  }

  private void expire(long expiredUpTo) {
    long oldest = Long.MAX_VALUE;
    for (Iterator<Org> orgIt = orgs.values().iterator(); orgIt.hasNext(); ) {
      Org org = orgIt.next();
      if (org.lastSeen <= expiredUpTo) {
        orgIt.remove();
        if (takesSlot(org.orgId)) {
          trackedOrgs--;
        }
        for (Tenant tenant : org.tenants.values()) {
          removeTenant(tenant);
        }
        remove(org);
        continue;
      }
      oldest = Math.min(oldest, org.lastSeen);
      for (Iterator<Tenant> tenantIt = org.tenants.values().iterator(); tenantIt.hasNext(); ) {
        Tenant tenant = tenantIt.next();
        if (tenant.lastSeen <= expiredUpTo) {
          tenantIt.remove();
          removeTenant(tenant);
          continue;
        }
        oldest = Math.min(oldest, tenant.lastSeen);
        for (Map<String, Value> values : tenant.values) {
          for (Iterator<Value> valueIt = values.values().iterator(); valueIt.hasNext(); ) {
            Value v = valueIt.next();
            if (v.lastSeen <= expiredUpTo) {
              valueIt.remove();
              remove(v);
            } else {
              oldest = Math.min(oldest, v.lastSeen);
            }
          }
        }
      }
    }
    oldestLastSeen = oldest;
  }

  private void removeTenant(Tenant tenant) {
    if (!Dimensions.OTHER.equals(tenant.org.orgId) && takesSlot(tenant.projectId)) {
      trackedTenants--;
    }
    for (Map<String, Value> values : tenant.values) {
      for (Value v : values.values()) {
        remove(v);
      }
    }
    remove(tenant);
    onTenantRemoved.removed(tenant);
  }

  private void remove(Tracked t) {
    t.removed = true;
    tombstones.add(t.key());
  }

  /**
   * Hands every change since the last call to {@code write}: first the tombstones (null value) of
   * what expired, then the new last-seen minute of what was added or seen in a later minute. A key
   * expired and admitted again in between ends up written, as it should.
   */
  void writeChanges(BiConsumer<Bytes, byte[]> write) {
    for (Bytes key : tombstones) {
      write.accept(key, null);
    }
    tombstones.clear();
    for (Tracked t : dirty) {
      t.dirty = false;
      if (!t.removed) {
        write.accept(t.key(), new BinaryWriter(8).writeLongBigEndian(t.lastSeen).toByteArray());
        t.storedLastSeen = t.lastSeen;
      }
    }
    dirty.clear();
  }

  /** Rebuilds the guard from what {@link #writeChanges} wrote, in any order. */
  void load(Iterator<Map.Entry<Bytes, byte[]>> stored) {
    orgs.clear();
    trackedOrgs = 0;
    trackedTenants = 0;
    dirty.clear();
    tombstones.clear();
    currentMinute = NONE;
    oldestLastSeen = Long.MAX_VALUE;
    while (stored.hasNext()) {
      Map.Entry<Bytes, byte[]> e = stored.next();
      BinaryReader key = new BinaryReader(e.getKey().get());
      long lastSeen = new BinaryReader(e.getValue()).readLongBigEndian();
      int kind = key.readByte();
      Tracked t = switch (kind) {
        case ORG -> loadedOrg(key.readString());
        case TENANT -> loadedTenant(loadedOrg(key.readString()), key.readString());
        case VALUE -> {
          Tenant tenant = loadedTenant(loadedOrg(key.readString()), key.readString());
          int slot = key.readByte();
          String value = key.readString();
          Value v = new Value(tenant, slot, value);
          tenant.values[slot].put(value, v);
          yield v;
        }
        default ->
          throw new IllegalStateException("unknown entry kind " + kind + " in the guard's store");
      };
      t.lastSeen = Math.max(t.lastSeen, lastSeen);
      t.storedLastSeen = lastSeen;
      currentMinute = Math.max(currentMinute, lastSeen);
    }
    // A parent is never older than what it holds; one loaded only through a child takes its time.
    for (Org org : orgs.values()) {
      for (Tenant tenant : org.tenants.values()) {
        for (Map<String, Value> values : tenant.values) {
          for (Value v : values.values()) {
            tenant.lastSeen = Math.max(tenant.lastSeen, v.lastSeen);
            oldestLastSeen = Math.min(oldestLastSeen, v.lastSeen);
          }
        }
        org.lastSeen = Math.max(org.lastSeen, tenant.lastSeen);
        oldestLastSeen = Math.min(oldestLastSeen, tenant.lastSeen);
      }
      oldestLastSeen = Math.min(oldestLastSeen, org.lastSeen);
    }
  }

  private Org loadedOrg(String orgId) {
    return orgs.computeIfAbsent(orgId, id -> {
      if (takesSlot(id)) {
        trackedOrgs++;
      }
      Org org = new Org(id);
      org.lastSeen = NONE;
      return org;
    });
  }

  private Tenant loadedTenant(Org org, String projectId) {
    return org.tenants.computeIfAbsent(projectId, id -> {
      if (!Dimensions.OTHER.equals(org.orgId) && takesSlot(id)) {
        trackedTenants++;
      }
      Tenant tenant = new Tenant(org, id);
      tenant.lastSeen = NONE;
      return tenant;
    });
  }

  /** Calls {@code action} with every tenant on the heap. */
  void forEachTenant(java.util.function.Consumer<Tenant> action) {
    for (Org org : orgs.values()) {
      org.tenants.values().forEach(action);
    }
  }

  /** Org ids holding a slot (for tests and diagnostics). */
  int trackedOrgs() {
    return trackedOrgs;
  }

  /** Tenants holding a slot (for tests and diagnostics). */
  int trackedTenants() {
    return trackedTenants;
  }

  /** Values the tenant tracks in {@code slot} (for tests and diagnostics); 0 for an unknown tenant. */
  int trackedValues(String orgId, String projectId, int slot) {
    Org org = orgs.get(orgId);
    Tenant tenant = org == null ? null : org.tenants.get(projectId);
    return tenant == null ? 0 : tenant.values[slot].size();
  }
}
