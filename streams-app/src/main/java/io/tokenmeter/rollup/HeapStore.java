package io.tokenmeter.rollup;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Values that change on nearly every event (the open windows' rollup aggregates, the error
 * windows of the alerts): decoded objects on the heap in front of a logged key-value store of
 * their encoded bytes. An event updates its value on the heap; the value is encoded and written to
 * the store (and so to its changelog) once per commit, not once per event, which spares decoding
 * and re-encoding it, latency sketch and all, and the record cache's sorted map, on every event.
 *
 * <p>Why it cannot lose a count: see {@link HeapStateStore}, which writes the changed values in
 * every commit.
 *
 * @param <V> the value on the heap; written with its {@link Codec}
 */
public final class HeapStore<V> extends HeapStateStore {

  /** How a value is written to the store and read back. */
  public interface Codec<V> {
    byte[] encode(V value);

    V decode(byte[] bytes);

    /** A codec from a value's own encode and decode methods. */
    static <V> Codec<V> of(
        java.util.function.Function<V, byte[]> encode,
        java.util.function.Function<byte[], V> decode) {
      return new Codec<>() {
        @Override
        public byte[] encode(V value) {
          return encode.apply(value);
        }

        @Override
        public V decode(byte[] bytes) {
          return decode.apply(bytes);
        }
      };
    }
  }

  /**
   * Above this many values on the heap, a new key first writes out the changed ones and forgets
   * them all, so a burst of cardinality cannot grow the heap without bound. A rollup aggregate is
   * some hundreds of bytes on the heap, so this caps one task at a few tens of megabytes.
   */
  public static final int MAX_ON_HEAP = 50_000;

  private final Codec<V> codec;
  private final int maxOnHeap;
  private final TreeMap<Bytes, Entry<V>> onHeap = new TreeMap<>();

  private static final class Entry<V> {
    V value;
    /** Changed since it was last written to the store. */
    boolean dirty;
    /** The store holds a version of it (so removing it must write a tombstone). */
    boolean stored;

    Entry(V value, boolean dirty, boolean stored) {
      this.value = value;
      this.dirty = dirty;
      this.stored = stored;
    }
  }

  HeapStore(KeyValueStore<Bytes, byte[]> inner, Codec<V> codec, int maxOnHeap) {
    super(inner);
    this.codec = codec;
    this.maxOnHeap = maxOnHeap;
  }

  /** The value under {@code key}, or null. Change it only through {@link #put} or {@link #getForUpdate}. */
  public V get(Bytes key) {
    Entry<V> e = entry(key);
    return e == null ? null : e.value;
  }

  /**
   * The value under {@code key}, made by {@code absent} if there is none, for the caller to change
   * in place now: it counts as changed and is written at the next commit.
   */
  public V getForUpdate(Bytes key, java.util.function.Supplier<V> absent) {
    Entry<V> e = entry(key);
    if (e == null) {
      e = new Entry<>(absent.get(), true, false);
      onHeap.put(key, e);
    }
    e.dirty = true;
    return e.value;
  }

  /** Sets the value under {@code key}; it is written at the next commit. */
  public void put(Bytes key, V value) {
    Entry<V> e = entry(key);
    if (e == null) {
      onHeap.put(key, new Entry<>(value, true, false));
    } else {
      e.value = value;
      e.dirty = true;
    }
  }

  /** The entry on the heap, read into it from the store if needed; null if neither has one. */
  private Entry<V> entry(Bytes key) {
    Entry<V> e = onHeap.get(key);
    if (e != null) {
      return e;
    }
    if (onHeap.size() >= maxOnHeap) {
      flushCache();
      onHeap.clear();
    }
    byte[] stored = inner.get(key);
    if (stored == null) {
      return null;
    }
    e = new Entry<>(codec.decode(stored), false, true);
    onHeap.put(key, e);
    return e;
  }

  /**
   * Removes and returns, in key order, every value with {@code from <= key < before}: the windows
   * to close. Their tombstones go to the store in the same processor call.
   */
  public List<KeyValue<Bytes, V>> removeRange(Bytes from, Bytes before) {
    TreeMap<Bytes, Entry<V>> closing = new TreeMap<>();
    try (KeyValueIterator<Bytes, byte[]> stored = inner.range(from, before)) {
      while (stored.hasNext()) {
        KeyValue<Bytes, byte[]> kv = stored.next();
        Entry<V> newer = onHeap.get(kv.key);
        if (newer != null) {
          newer.stored = true; // the heap copy is the newer one; no need to decode this one
        } else if (before.compareTo(kv.key) > 0) { // range() includes its upper bound
          closing.put(kv.key, new Entry<>(codec.decode(kv.value), false, true));
        }
      }
    }
    for (Iterator<Map.Entry<Bytes, Entry<V>>> it =
            onHeap.subMap(from, true, before, false).entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<Bytes, Entry<V>> e = it.next();
      closing.put(e.getKey(), e.getValue());
      it.remove();
    }
    List<KeyValue<Bytes, V>> out = new ArrayList<>(closing.size());
    for (Map.Entry<Bytes, Entry<V>> e : closing.entrySet()) {
      if (e.getValue().stored) {
        inner.delete(e.getKey());
      }
      out.add(KeyValue.pair(e.getKey(), e.getValue().value));
    }
    return out;
  }

  /**
   * Reads a value that is kept out of the heap (a rarely changed watermark) straight from the
   * store. Its key must never be used with the heap methods.
   */
  public byte[] readThrough(Bytes key) {
    return inner.get(key);
  }

  /** Writes a value that is kept out of the heap straight to the store; see {@link #readThrough}. */
  public void writeThrough(Bytes key, byte[] value) {
    inner.put(key, value);
  }

  /** Number of values held on the heap (for tests). */
  int onHeap() {
    return onHeap.size();
  }

  /** Writes every changed value to the logged store: called by the task in every commit. */
  @Override
  public void flushCache() {
    for (Map.Entry<Bytes, Entry<V>> e : onHeap.entrySet()) {
      Entry<V> entry = e.getValue();
      if (entry.dirty) {
        inner.put(e.getKey(), codec.encode(entry.value));
        entry.dirty = false;
        entry.stored = true;
      }
    }
  }

  @Override
  protected void forgetHeap() {
    onHeap.clear();
  }
}
