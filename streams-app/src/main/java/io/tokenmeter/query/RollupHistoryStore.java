package io.tokenmeter.query;

import io.tokenmeter.rollup.HeapStateStore;
import io.tokenmeter.rollup.HeapStateStoreBuilder;
import io.tokenmeter.schemas.UsageRollup;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The final rollups of the last {@code query.retention}, written as batches: the rollups of one
 * window emitted between two commits become one record (split at {@link #MAX_BATCH_BYTES}), keyed
 * by window start and a random batch id, written when the task commits ({@link HeapStateStore}).
 * A final rollup then costs an Avro encoding and a share of one changelog record, not a store
 * write, a changelog record and later an expiry tombstone of its own: a minute's tens of thousands
 * of rollups used to go out as as many changelog records in the commit after the minute closed.
 *
 * <p>Records written before batches (one rollup each, keyed by {@link QueryStores#rollupKey}) are
 * read as well, told apart by their longer key; both kinds start with the window start, so one
 * range scan finds a time range and expiry deletes both. Reading returns each rollup once, in
 * key order, the last one written winning (at-least-once may emit a rollup again after a crash).
 *
 * <p>Read-only access ({@link ReadOnlyKeyValueStore} of the raw records) is what interactive
 * queries find; {@link #rollups} decodes them.
 */
final class RollupHistoryStore extends HeapStateStore
    implements ReadOnlyKeyValueStore<Bytes, byte[]> {

  /** Under the producer's 1 MiB request limit with room to spare. */
  static final int MAX_BATCH_BYTES = 256 * 1024;
  /** A new batch's buffer, doubled as it fills, up to {@link #MAX_BATCH_BYTES}. */
  private static final int FIRST_BATCH_BYTES = 4 * 1024;

  private static final int BATCH_KEY_BYTES = 16;

  private final RollupCodec.Encoder<UsageRollup> encoder =
      new RollupCodec.Encoder<>(UsageRollup.class);
  /** Window start → the batch being filled and the ones sealed since the last commit. */
  private final Map<Long, List<ByteBuffer>> pending = new HashMap<>();

  RollupHistoryStore(KeyValueStore<Bytes, byte[]> logged) {
    super(logged);
  }

  static HeapStateStoreBuilder<RollupHistoryStore> builder(String name) {
    return new HeapStateStoreBuilder<>(name) {
      @Override
      protected RollupHistoryStore over(KeyValueStore<Bytes, byte[]> logged) {
        return new RollupHistoryStore(logged);
      }
    };
  }

  /** Keeps a final rollup; it reaches the store at the next commit. */
  void add(UsageRollup rollup) {
    byte[] encoded = encoder.encode(rollup);
    List<ByteBuffer> batches =
        pending.computeIfAbsent(rollup.getWindowStart().toEpochMilli(), w -> new ArrayList<>());
    int needed = 4 + encoded.length;
    int last = batches.size() - 1;
    ByteBuffer open = last < 0 ? null : batches.get(last);
    if (open == null || open.position() + needed > Math.max(MAX_BATCH_BYTES, open.capacity())) {
      // A window's first rollup, or a full batch: start small, since most windows of a commit
      // hold a few rollups, not 256 KiB of them.
      open = ByteBuffer.allocate(Math.max(FIRST_BATCH_BYTES, needed));
      batches.add(open);
    } else if (open.remaining() < needed) {
      ByteBuffer grown = ByteBuffer.allocate(
          Math.min(MAX_BATCH_BYTES, Math.max(2 * open.capacity(), open.position() + needed)));
      grown.put(open.flip());
      open = grown;
      batches.set(last, open);
    }
    open.putInt(encoded.length).put(encoded);
  }

  /** Deletes every record of windows that started before {@code windowStart}. */
  void deleteBefore(long windowStart) {
    Bytes before = QueryStores.timePrefix(windowStart);
    List<Bytes> expired = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = inner.range(null, before)) {
      while (it.hasNext()) {
        Bytes key = it.next().key;
        if (key.compareTo(before) < 0) {
          expired.add(key);
        }
      }
    }
    expired.forEach(inner::delete);
  }

  @Override
  public void flushCache() {
    for (Map.Entry<Long, List<ByteBuffer>> window : pending.entrySet()) {
      for (ByteBuffer batch : window.getValue()) {
        byte[] value = new byte[batch.position()];
        batch.flip().get(value);
        Bytes key = Bytes.wrap(ByteBuffer.allocate(BATCH_KEY_BYTES)
            .put(QueryStores.timePrefix(window.getKey()).get())
            .putLong(ThreadLocalRandom.current().nextLong())
            .array());
        inner.put(key, value);
      }
    }
    pending.clear();
  }

  @Override
  protected void forgetHeap() {
    pending.clear();
  }

  /**
   * Every rollup in the records of {@code records}, once per window and dimensions (the last
   * written wins), in key order.
   */
  static List<UsageRollup> rollups(KeyValueIterator<Bytes, byte[]> records) {
    TreeMap<Bytes, UsageRollup> byKey = new TreeMap<>();
    records.forEachRemaining(kv -> decode(kv, r -> byKey.put(QueryStores.rollupKey(r), r)));
    return new ArrayList<>(byKey.values());
  }

  private static void decode(
      KeyValue<Bytes, byte[]> record, java.util.function.Consumer<UsageRollup> to) {
    if (record.key.get().length != BATCH_KEY_BYTES) {
      to.accept(RollupCodec.rollup(record.value)); // one rollup, as written before batches
      return;
    }
    ByteBuffer batch = ByteBuffer.wrap(record.value);
    while (batch.hasRemaining()) {
      byte[] encoded = new byte[batch.getInt()];
      batch.get(encoded);
      to.accept(RollupCodec.rollup(encoded));
    }
  }

  // Read-only access for interactive queries: the raw records, straight from the logged store.

  @Override
  public byte[] get(Bytes key) {
    return inner.get(key);
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
    return inner.range(from, to);
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> all() {
    return inner.all();
  }

  @Override
  public long approximateNumEntries() {
    return inner.approximateNumEntries();
  }
}
