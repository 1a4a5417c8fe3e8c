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

  PendingErrorWindows(KeyValueStore<String, byte[]> store) {
    this.store = store;
  }

  static StoreBuilder<KeyValueStore<String, byte[]>> store(String name) {
    return Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(name), Serdes.String(), Serdes.ByteArray());
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
    List<ScopedErrorWindow> closed = new ArrayList<>();
    if (before <= closedBefore()) {
      return closed;
    }
    List<KeyValue<String, byte[]>> entries = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it = store.range(key(0, null), key(before, null))) {
      it.forEachRemaining(entries::add);
    }
    for (KeyValue<String, byte[]> entry : entries) {
      closed.add(ScopedErrorWindow.decode(entry.value));
      store.delete(entry.key);
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
    byte[] v = store.get(name);
    return v == null ? Long.MIN_VALUE : Long.parseLong(new String(v, StandardCharsets.UTF_8));
  }

  private void put(String name, long value) {
    store.put(name, Long.toString(value).getBytes(StandardCharsets.UTF_8));
  }

  private static String key(long windowStart, ErrorRateScope scope) {
    return String.format("%020d|", Math.max(0, windowStart)) + (scope == null ? "" : scope.storeKey());
  }
}
