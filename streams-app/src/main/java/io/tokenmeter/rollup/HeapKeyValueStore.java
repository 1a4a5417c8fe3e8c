package io.tokenmeter.rollup;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A key-value store of objects on the heap, for state that changes on most events (the alert
 * detectors'): get and put touch a hash map, and each key changed since the last commit is
 * encoded and written to the logged store once in that commit ({@link HeapStateStore}). It reads
 * the logged store once, on first use after an init or a recycle, so it suits state bounded in
 * size, as the detectors' is.
 *
 * <p>It is a {@link KeyValueStore}, so processors and tests use it as one; the range reads copy
 * and sort the matching entries, which suits a once-a-minute scan, not the per-event path. The
 * logged bytes are those of a {@code Stores.keyValueStoreBuilder} with a String key serde and
 * {@code serde}, so a store that had that shape restores into this one.
 *
 * @param <V> the value on the heap; treat it as immutable once put
 */
public final class HeapKeyValueStore<V> extends HeapStateStore implements KeyValueStore<String, V> {

  private final Serde<V> serde;
  private final Map<String, V> values = new HashMap<>();
  /** Keys put or deleted since the last commit. */
  private final Set<String> changed = new HashSet<>();

  private boolean loaded;

  public HeapKeyValueStore(KeyValueStore<Bytes, byte[]> logged, Serde<V> serde) {
    super(logged);
    this.serde = serde;
  }

  @Override
  public V get(String key) {
    loadIfNeeded();
    return values.get(key);
  }

  @Override
  public void put(String key, V value) {
    loadIfNeeded();
    if (value == null) {
      values.remove(key);
    } else {
      values.put(key, value);
    }
    changed.add(key);
  }

  @Override
  public V putIfAbsent(String key, V value) {
    V existing = get(key);
    if (existing == null) {
      put(key, value);
    }
    return existing;
  }

  @Override
  public void putAll(List<KeyValue<String, V>> entries) {
    for (KeyValue<String, V> kv : entries) {
      put(kv.key, kv.value);
    }
  }

  @Override
  public V delete(String key) {
    V old = get(key);
    put(key, null);
    return old;
  }

  @Override
  public KeyValueIterator<String, V> range(String from, String to) {
    return sorted(from, to, false);
  }

  @Override
  public KeyValueIterator<String, V> reverseRange(String from, String to) {
    return sorted(from, to, true);
  }

  @Override
  public KeyValueIterator<String, V> all() {
    return sorted(null, null, false);
  }

  @Override
  public KeyValueIterator<String, V> reverseAll() {
    return sorted(null, null, true);
  }

  @Override
  public long approximateNumEntries() {
    loadIfNeeded();
    return values.size();
  }

  @Override
  public void flushCache() {
    for (String key : changed) {
      Bytes storeKey = Bytes.wrap(key.getBytes(StandardCharsets.UTF_8));
      V value = values.get(key);
      if (value == null) {
        inner.delete(storeKey);
      } else {
        inner.put(storeKey, serde.serializer().serialize(inner.name(), value));
      }
    }
    changed.clear();
  }

  @Override
  protected void forgetHeap() {
    values.clear();
    changed.clear();
    loaded = false;
  }

  private void loadIfNeeded() {
    if (loaded) {
      return;
    }
    values.clear();
    changed.clear();
    try (KeyValueIterator<Bytes, byte[]> all = inner.all()) {
      while (all.hasNext()) {
        KeyValue<Bytes, byte[]> kv = all.next();
        values.put(
            new String(kv.key.get(), StandardCharsets.UTF_8),
            serde.deserializer().deserialize(inner.name(), kv.value));
      }
    }
    loaded = true;
  }

  /** A copy of the entries with {@code from <= key <= to} (null: unbounded), in key order. */
  private KeyValueIterator<String, V> sorted(String from, String to, boolean reverse) {
    loadIfNeeded();
    List<KeyValue<String, V>> entries = new ArrayList<>();
    for (Map.Entry<String, V> e : values.entrySet()) {
      if ((from == null || e.getKey().compareTo(from) >= 0)
          && (to == null || e.getKey().compareTo(to) <= 0)) {
        entries.add(KeyValue.pair(e.getKey(), e.getValue()));
      }
    }
    Comparator<KeyValue<String, V>> byKey = Comparator.comparing(kv -> kv.key);
    entries.sort(reverse ? byKey.reversed() : byKey);
    Iterator<KeyValue<String, V>> it = entries.iterator();
    return new KeyValueIterator<>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public KeyValue<String, V> next() {
        return it.next();
      }

      @Override
      public void close() {}

      @Override
      public String peekNextKey() {
        throw new UnsupportedOperationException("peekNextKey");
      }
    };
  }
}
