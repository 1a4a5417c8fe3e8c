package io.tokenmeter.query;

import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.UsageRollup;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The state the query API reads: the last {@code query.retention} of final rollups, and the alerts
 * currently firing. Both are written by processors attached to the streams that emit them (no
 * repartition), are persistent and have changelogs, so a failover restores them.
 */
public final class QueryStores {

  /**
   * The final rollups of the last {@code query.retention}, in batches per window and commit
   * ({@link RollupHistoryStore}, which also reads the one-rollup records of earlier versions).
   */
  public static final String ROLLUPS = "query-rollups";
  /** dedup key → the latest FIRING {@link Alert}, Avro binary; deleted when it resolves. */
  public static final String OPEN_ALERTS = "query-open-alerts";

  /** How often expired rollups are deleted (wall clock). */
  static final Duration EXPIRY_INTERVAL = Duration.ofMinutes(1);

  private QueryStores() {}

  public static StoreBuilder<? extends StateStore> rollups() {
    return RollupHistoryStore.builder(ROLLUPS);
  }

  public static StoreBuilder<KeyValueStore<String, byte[]>> openAlerts() {
    return Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(OPEN_ALERTS), Serdes.String(), Serdes.ByteArray())
        .withCachingDisabled();
  }

  /** Keeps every final rollup, and deletes those whose window started more than {@code retention} ago. */
  public static <K> ProcessorSupplier<K, UsageRollup, Void, Void> keepRollups(Duration retention) {
    return () -> new KeepRollups<>(retention);
  }

  /** Keeps the latest FIRING change of each dedup key; a RESOLVED change deletes it. */
  public static ProcessorSupplier<String, Alert, Void, Void> keepOpenAlerts() {
    return KeepOpenAlerts::new;
  }

  /**
   * The store key: window start (8 bytes, big-endian, sign bit flipped, so byte order is time order
   * and a range scan finds a time range) then the dimensions, length-prefixed UTF-8.
   */
  static Bytes rollupKey(UsageRollup r) {
    String[] dims = {
      r.getModel(), r.getOrgId(), r.getProjectId(), r.getApiKeyFingerprint(), r.getService()
    };
    int size = 8;
    byte[][] utf8 = new byte[dims.length][];
    for (int i = 0; i < dims.length; i++) {
      utf8[i] = dims[i].getBytes(StandardCharsets.UTF_8);
      size += 4 + utf8[i].length;
    }
    ByteBuffer b =
        ByteBuffer.allocate(size).putLong(r.getWindowStart().toEpochMilli() ^ Long.MIN_VALUE);
    for (byte[] d : utf8) {
      b.putInt(d.length).put(d);
    }
    return Bytes.wrap(b.array());
  }

  /** The smallest key of any window starting at or after {@code windowStart}. */
  static Bytes timePrefix(long windowStart) {
    return Bytes.wrap(
        ByteBuffer.allocate(8).putLong(windowStart ^ Long.MIN_VALUE).array());
  }

  private static final class KeepRollups<K> implements Processor<K, UsageRollup, Void, Void> {
    private final Duration retention;
    private RollupHistoryStore store;

    KeepRollups(Duration retention) {
      this.retention = retention;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      store = context.getStateStore(ROLLUPS);
      context.schedule(EXPIRY_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::expire);
    }

    @Override
    public void process(Record<K, UsageRollup> record) {
      store.add(record.value());
    }

    /** Deletes rollups of windows that started before {@code now - retention}. */
    void expire(long now) {
      store.deleteBefore(now - retention.toMillis());
    }
  }

  private static final class KeepOpenAlerts implements Processor<String, Alert, Void, Void> {
    private KeyValueStore<String, byte[]> store;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      store = context.getStateStore(OPEN_ALERTS);
    }

    @Override
    public void process(Record<String, Alert> record) {
      Alert alert = record.value();
      if (alert == null) {
        return;
      }
      if (alert.getState() == AlertState.FIRING) {
        store.put(alert.getDedupKey(), RollupCodec.encode(alert));
      } else {
        store.delete(alert.getDedupKey());
      }
    }
  }
}
