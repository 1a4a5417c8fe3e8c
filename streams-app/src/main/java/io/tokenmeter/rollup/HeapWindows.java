package io.tokenmeter.rollup;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Values per one-minute window not yet closed, on the heap: per window start, a hash map from the
 * key to its value, so that an event finds its value with one hash lookup and changes it in place,
 * with no store key encoded and no sorted map walked. Each value an event changed is encoded and
 * written to the logged store once per commit ({@link HeapStateStore}), under the store key its
 * {@link Layout} gives.
 *
 * <p>The heap holds every open window: the logged store is read once, the first time the task uses
 * it after an init or a recycle. What bounds the open windows (the grace period, the cardinality
 * guard) bounds this store anyway.
 *
 * @param <K> what a window's values are grouped by (the dimension set, the error-rate scope)
 * @param <V> the mutable value
 */
public final class HeapWindows<K, V> extends HeapStateStore {

  /** How keys and values are written to the logged store and made. */
  public interface Layout<K, V> {
    /** The store key; keys must sort by window start first. */
    Bytes storeKey(long windowStart, K key);

    byte[] encode(long windowStart, K key, V value);

    /** A stored entry read back, or null for a store key this layout does not own. */
    Slot<K, V> decode(Bytes storeKey, byte[] value);

    /** A new, empty value. */
    V create();
  }

  /** One window and key with its value. */
  public static final class Slot<K, V> {
    public final long windowStart;
    public final K key;
    public final V value;
    /** Changed since it was last written to the store. */
    boolean dirty;
    /** The store holds a version of it, so closing it must write a tombstone. */
    boolean stored;
    /**
     * Its key in the store, made once: a window is written at each commit it changed in, sorted
     * when it closes and deleted after, and encoding the key each time cost more than the value.
     */
    private Bytes storeKey;

    public Slot(long windowStart, K key, V value) {
      this.windowStart = windowStart;
      this.key = key;
      this.value = value;
    }
  }

  private final Layout<K, V> layout;
  private final TreeMap<Long, Map<K, Slot<K, V>>> windows = new TreeMap<>();
  private final List<Slot<K, V>> changed = new ArrayList<>();
  /** The window most events go to, found without boxing its start. */
  private long currentStart = Long.MIN_VALUE;
  private Map<K, Slot<K, V>> current;
  private boolean loaded;

  public HeapWindows(KeyValueStore<Bytes, byte[]> logged, Layout<K, V> layout) {
    super(logged);
    this.layout = layout;
  }

  /** The value of {@code key} in the window starting at {@code windowStart}, for the caller to change now. */
  public V forUpdate(long windowStart, K key) {
    Map<K, Slot<K, V>> window = window(windowStart);
    Slot<K, V> slot = window.get(key);
    if (slot == null) {
      slot = new Slot<>(windowStart, key, layout.create());
      window.put(key, slot);
    }
    if (!slot.dirty) {
      slot.dirty = true;
      changed.add(slot);
    }
    return slot.value;
  }

  /**
   * Removes and returns every window starting before {@code before}, in window order and within a
   * window in store-key order. Their tombstones go to the store in the same processor call.
   */
  public List<Slot<K, V>> removeBefore(long before) {
    List<Slot<K, V>> closing = takeBefore(before);
    for (Slot<K, V> slot : closing) {
      forget(slot);
    }
    return closing;
  }

  /**
   * Takes every window starting before {@code before} off the heap's open windows, in window order
   * and within a window in store-key order, leaving them in the store until {@link #forget}: a
   * caller that emits them over several calls keeps each one until it is out. A changed one is
   * still written at the next commit until it is forgotten.
   */
  public List<Slot<K, V>> takeBefore(long before) {
    loadIfNeeded();
    List<Slot<K, V>> closing = new ArrayList<>();
    Map<Long, Map<K, Slot<K, V>>> head = windows.headMap(before);
    for (Map<K, Slot<K, V>> window : head.values()) {
      List<KeyValue<Bytes, Slot<K, V>>> ordered = new ArrayList<>(window.size());
      for (Slot<K, V> slot : window.values()) {
        ordered.add(KeyValue.pair(storeKey(slot), slot));
      }
      ordered.sort((a, b) -> a.key.compareTo(b.key));
      for (KeyValue<Bytes, Slot<K, V>> kv : ordered) {
        closing.add(kv.value);
      }
    }
    head.clear();
    if (currentStart < before) {
      currentStart = Long.MIN_VALUE;
      current = null;
    }
    return closing;
  }

  /** Deletes a slot taken by {@link #takeBefore} from the store: its tombstone goes out now. */
  public void forget(Slot<K, V> slot) {
    if (slot.stored) {
      inner.delete(storeKey(slot));
      slot.stored = false;
    }
    slot.dirty = false; // never to be written again
  }

  /**
   * Reads a value kept beside the windows (a rarely changed watermark) straight from the store.
   * Its key must be one the layout does not own.
   */
  public byte[] readThrough(Bytes key) {
    return inner.get(key);
  }

  /** Writes a value kept beside the windows straight to the store; see {@link #readThrough}. */
  public void writeThrough(Bytes key, byte[] value) {
    inner.put(key, value);
  }

  /** Values on the heap (for tests and diagnostics). */
  public int size() {
    loadIfNeeded();
    int n = 0;
    for (Map<K, Slot<K, V>> w : windows.values()) {
      n += w.size();
    }
    return n;
  }

  @Override
  public void flushCache() {
    for (Slot<K, V> slot : changed) {
      if (slot.dirty) {
        inner.put(storeKey(slot), layout.encode(slot.windowStart, slot.key, slot.value));
        slot.dirty = false;
        slot.stored = true;
      }
    }
    changed.clear();
  }

  private Bytes storeKey(Slot<K, V> slot) {
    if (slot.storeKey == null) {
      slot.storeKey = layout.storeKey(slot.windowStart, slot.key);
    }
    return slot.storeKey;
  }

  @Override
  protected void forgetHeap() {
    windows.clear();
    changed.clear();
    currentStart = Long.MIN_VALUE;
    current = null;
    loaded = false;
  }

  private Map<K, Slot<K, V>> window(long windowStart) {
    if (windowStart == currentStart) {
      return current;
    }
    loadIfNeeded();
    current = windows.computeIfAbsent(windowStart, s -> new HashMap<>());
    currentStart = windowStart;
    return current;
  }

  private void loadIfNeeded() {
    if (loaded) {
      return;
    }
    windows.clear();
    changed.clear();
    try (KeyValueIterator<Bytes, byte[]> all = inner.all()) {
      while (all.hasNext()) {
        KeyValue<Bytes, byte[]> kv = all.next();
        Slot<K, V> slot = layout.decode(kv.key, kv.value);
        if (slot != null) {
          slot.stored = true;
          slot.storeKey = kv.key;
          windows.computeIfAbsent(slot.windowStart, s -> new HashMap<>()).put(slot.key, slot);
        }
      }
    }
    loaded = true;
  }
}
