package io.tokenmeter.rollup;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The rollup's state stores. All are persistent and backed by a changelog topic, so that
 * under exactly-once every count, every "seen" mark and the close watermark commit together with
 * the offsets and outputs of the same transaction. What the per-event path changes lives on the
 * heap and reaches its store in every commit ({@link HeapStateStore}); nothing lives only there.
 */
public final class RollupStores {

  /**
   * The event ids counted, per minute of event time, while their window is open (at most the
   * dedup horizon): one record per minute and commit ({@link SeenEventIdsStore}).
   */
  public static final String DEDUP = "rollup-seen-ids";
  /**
   * (window start, dimensions) → {@link RollupAggregate}, for windows not yet closed: decoded on the
   * heap, encoded into the logged store at every commit ({@link HeapWindows}).
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

  /**
   * The highest event time the task counted (from {@link #CLOCK}), or null before the first: the
   * task's event time for processors whose own input is rare, such as the alert detectors after a
   * repartition. Only accepted calls move it, unlike Kafka Streams' stream time. It is written when
   * event time minus grace enters a new minute, so it is exact to the minute that closes.
   */
  public static Long countedEventTime(KeyValueStore<String, Long> clock) {
    return clock.get(EVENT_TIME);
  }

  public static StoreBuilder<SeenEventIdsStore> dedup() {
    return new HeapStateStoreBuilder<>(DEDUP) {
      @Override
      protected SeenEventIdsStore over(KeyValueStore<Bytes, byte[]> logged) {
        return new SeenEventIdsStore(logged);
      }
    };
  }

  public static StoreBuilder<HeapWindows<Dimensions, RollupAggregate>> windows() {
    return new HeapStateStoreBuilder<>(WINDOWS) {
      @Override
      protected HeapWindows<Dimensions, RollupAggregate> over(KeyValueStore<Bytes, byte[]> logged) {
        return new HeapWindows<>(logged, WINDOW_LAYOUT);
      }
    };
  }

  /** {@link RollupKeys#stateKey} to the aggregate's own encoding. */
  static final HeapWindows.Layout<Dimensions, RollupAggregate> WINDOW_LAYOUT =
      new HeapWindows.Layout<>() {
        @Override
        public Bytes storeKey(long windowStart, Dimensions dimensions) {
          return Bytes.wrap(RollupKeys.stateKey(windowStart, dimensions));
        }

        @Override
        public byte[] encode(long windowStart, Dimensions dimensions, RollupAggregate aggregate) {
          return aggregate.encode();
        }

        @Override
        public HeapWindows.Slot<Dimensions, RollupAggregate> decode(Bytes storeKey, byte[] value) {
          BinaryReader reader = new BinaryReader(storeKey.get());
          long windowStart = RollupKeys.windowStartOf(reader);
          return new HeapWindows.Slot<>(
              windowStart, Dimensions.readFrom(reader), RollupAggregate.decode(value));
        }

        @Override
        public RollupAggregate create() {
          return new RollupAggregate();
        }
      };

  public static StoreBuilder<KeyValueStore<String, Long>> clock() {
    return Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(CLOCK), Serdes.String(), Serdes.Long())
        .withCachingEnabled();
  }

  public static StoreBuilder<TenantGuardStore> tenantValues() {
    return new HeapStateStoreBuilder<>(TENANT_VALUES) {
      @Override
      protected TenantGuardStore over(KeyValueStore<Bytes, byte[]> logged) {
        return new TenantGuardStore(logged);
      }
    };
  }
}
