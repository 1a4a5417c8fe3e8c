package io.tokenmeter.alert;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Open error windows per (window start, scope) in a logged key-value store, summed as their parts
 * arrive and taken out in window order once closed. The store also keeps the close watermark, so
 * under exactly-once a closed window, its deletion and the watermark commit together.
 */
final class PendingErrorWindows {

  /** These sort after every window key, which starts with digits. */
  private static final String CLOSED_BEFORE = "~closed-before";
  private static final String LATEST_START = "~latest-start";

  private final KeyValueStore<String, byte[]> store;
  /**
   * The two watermarks as last read or written: read on every part otherwise. The store stays the
   * truth (every change is written through), and an instance lives only as long as its task's
   * processor, which Kafka Streams recreates after a restore.
   */
  private final java.util.Map<String, Long> watermarks = new java.util.HashMap<>(4);

  PendingErrorWindows(KeyValueStore<String, byte[]> store) {
    this.store = store;
  }

  static StoreBuilder<KeyValueStore<String, byte[]>> store(String name) {
    // Cached: every call adds to two windows, and Kafka Streams' record cache turns a store write
    // (and a changelog record) per part into one per window per commit.
    return Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(name), Serdes.String(), Serdes.ByteArray()).withCachingEnabled();
  }

  /** Adds a part; false, and nothing stored, when its window has already closed. */
  boolean add(ScopedErrorWindow part) {
    long start = part.window().start().toEpochMilli();
    if (start > latestStart()) {
      put(LATEST_START, start);
    }
    if (start < closedBefore()) {
      return false;
    }
    String key = key(start, part.scope());
    byte[] stored = store.get(key);
    store.put(key, (stored == null ? part : ScopedErrorWindow.decode(stored).plus(part)).encode());
    return true;
  }

  /** The windows starting before {@code before}, in window order, removed from the store. */
  List<ScopedErrorWindow> close(long before) {
    return close(before, false);
  }

  /**
   * As {@link #close(long)}; with {@code onlyWhatIsOpen}, for a close by wall clock, the watermark
   * moves no further than the end of the last window taken out, and not at all when none was
   * open: a task still waiting for its backlog must not have that backlog's parts dropped.
   */
  List<ScopedErrorWindow> close(long before, boolean onlyWhatIsOpen) {
    List<ScopedErrorWindow> closed = new ArrayList<>();
    if (before <= closedBefore()) {
      return closed;
    }
    List<KeyValue<String, byte[]>> entries = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it = store.range(key(0, null), key(before, null))) {
      it.forEachRemaining(entries::add);
    }
    long lastEnd = Long.MIN_VALUE;
    for (KeyValue<String, byte[]> entry : entries) {
      ScopedErrorWindow window = ScopedErrorWindow.decode(entry.value);
      closed.add(window);
      lastEnd = Math.max(lastEnd, window.window().start().toEpochMilli() + Minutes.MINUTE_MS);
      store.delete(entry.key);
    }
    if (onlyWhatIsOpen) {
      if (closed.isEmpty()) {
        return closed;
      }
      before = Math.min(before, lastEnd);
    }
    put(CLOSED_BEFORE, before);
    return closed;
  }

  /** Windows starting before this have been closed. */
  long closedBefore() {
    return get(CLOSED_BEFORE);
  }

  /** The latest window start of any part added: the stream time of the parts alone. */
  long latestStart() {
    return get(LATEST_START);
  }

  private long get(String name) {
    Long known = watermarks.get(name);
    if (known != null) {
      return known;
    }
    byte[] v = store.get(name);
    long value = v == null ? Long.MIN_VALUE : Long.parseLong(new String(v, StandardCharsets.UTF_8));
    watermarks.put(name, value);
    return value;
  }

  private void put(String name, long value) {
    store.put(name, Long.toString(value).getBytes(StandardCharsets.UTF_8));
    watermarks.put(name, value);
  }

  private static String key(long windowStart, ErrorRateScope scope) {
    String start = Long.toString(Math.max(0, windowStart));
    StringBuilder key = new StringBuilder(21 + 64);
    key.append("0".repeat(20 - start.length())).append(start).append('|');
    return scope == null ? key.toString() : key.append(scope.storeKey()).toString();
  }
}
