package io.tokenmeter.alert;

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

  /** Sorts after every window key (they start with digits). */
  private static final String CLOSED_BEFORE = "~closed-before";

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
    store.put(CLOSED_BEFORE, Long.toString(before).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return closed;
  }

  long closedBefore() {
    byte[] v = store.get(CLOSED_BEFORE);
    return v == null ? Long.MIN_VALUE : Long.parseLong(new String(v, java.nio.charset.StandardCharsets.UTF_8));
  }

  private static String key(long windowStart, ErrorRateScope scope) {
    return String.format("%020d|", Math.max(0, windowStart)) + (scope == null ? "" : scope.storeKey());
  }
}
