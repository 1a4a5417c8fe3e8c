package io.tokenmeter.rollup;

import io.tokenmeter.config.RollupSettings;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The rollup's state stores. All are persistent and backed by a changelog topic, so that
 * under exactly-once every count, every "seen" mark and the close watermark commit together with
 * the offsets and outputs of the same transaction; nothing lives only on the heap.
 */
public final class RollupStores {

  /** event_id → event time, remembered for the dedup horizon. */
  public static final String DEDUP = "rollup-dedup";
  /**
   * (window start, dimensions) → {@link RollupAggregate}, for windows not yet closed: decoded on the
   * heap, encoded into the logged store at every commit ({@link HeapStore}).
   */
  public static final String WINDOWS = "rollup-windows";
  /** The task's clock: the highest event time seen and the end of the last closed window. */
  public static final String CLOCK = "rollup-clock";
  /**
   * The cardinality guard's tracked orgs, tenants and per-tenant values, each with the minute it
   * was last seen: a {@link TenantGuard} on the heap, written at every commit ({@link
   * TenantGuardStore}). It replaces {@code rollup-dimension-values}, whose per-task sets it cannot
   * read; that store's changelog topic is no longer used.
   */
  public static final String TENANT_VALUES = "rollup-tenant-values";

  static final String CLOSED_BEFORE = "closed-before";
  static final String EVENT_TIME = "event-time";

  private RollupStores() {}

  public static StoreBuilder<WindowStore<String, Long>> dedup(RollupSettings settings) {
    Duration horizon = settings.dedupHorizon();
    return Stores.windowStoreBuilder(
            Stores.persistentWindowStore(DEDUP, horizon, Duration.ofMillis(1), false),
            Serdes.String(),
            Serdes.Long())
        // Each id is written once, so a cache would save no changelog writes; and it would keep
        // ids past the horizon that the store itself has already expired.
        .withCachingDisabled();
  }

  public static StoreBuilder<HeapStore<RollupAggregate>> windows() {
    return new HeapStoreBuilder<>(WINDOWS, AGGREGATES);
  }

  static final HeapStore.Codec<RollupAggregate> AGGREGATES = HeapStore.Codec.of(RollupAggregate::encode, RollupAggregate::decode);

  public static StoreBuilder<KeyValueStore<String, Long>> clock() {
    return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CLOCK), Serdes.String(), Serdes.Long())
        .withCachingEnabled();
  }

  public static StoreBuilder<TenantGuardStore> tenantValues() {
    return new LoggedStoreBuilder<>(TENANT_VALUES, TenantGuardStore::new);
  }
}
