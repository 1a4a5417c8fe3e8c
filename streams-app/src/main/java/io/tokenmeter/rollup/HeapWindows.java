package io.tokenmeter.rollup;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
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
 * with no store key encoded and no sorted map walked.
 *
 * <p>What reaches the logged store ({@link HeapStateStore}, in every commit) is one {@link
 * WindowBatch} record per minute that changed: the values its windows took since the last commit
 * and the windows of it that closed since then. A minute whose windows have all closed has its
 * batch records deleted. So a commit writes a record per open minute, not one per window, and
 * closing a minute's thousands of windows writes a few tombstones, not one per window. Within a
 * minute, a window's later entry replaces its earlier ones; a restore replays them in key order,
 * which is write order. The store holds every batch of a minute until the minute is done, so a
 * window that changed in n commits takes n entries there until then (the changelog carries the
 * same n writes either way).
 *
 * <p>Entries use the single-window store key of the {@link Layout}; stores written by earlier
 * versions, one record per window under that key, are read too, and such a record is deleted when
 * its window is next written or closed, so that no window is ever in both forms.
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

  /** The largest batch record, as for the dedup store's batches. */
  static final int MAX_BATCH_BYTES = SeenEventIdsStore.MAX_BATCH_BYTES;

  /** One window and key with its value. */
  public static final class Slot<K, V> {
    public final long windowStart;
    public final K key;
    public final V value;
    /** Changed since it was last written to the store. */
    boolean dirty;
    /** The store holds a single-window record of it (an earlier version's layout) to delete. */
    boolean stored;
    /** A batch record of its minute holds a version of it, so closing it must log its end. */
    boolean logged;
    /** Closed and forgotten: no longer counted as live in its minute. */
    boolean forgotten;
    /** The minute it belongs to, set when it joins the heap. */
    Minute minute;
    /**
     * Its key in the store, made once: a window is written at each commit it changed in, sorted
     * when it closes and logged as closed after, and encoding the key each time cost more than
     * the value.
     */
    private Bytes storeKey;

    public Slot(long windowStart, K key, V value) {
      this.windowStart = windowStart;
      this.key = key;
      this.value = value;
    }
  }

  /** What the store keeps per minute: its live windows and the batch records holding them. */
  static final class Minute {
    final long start;
    /** Windows of this minute not yet forgotten, open or taken. */
    int live;
    /** Sequence numbers of its batch records in the store. */
    long[] batches = new long[4];

    int batchCount;
    /** Store keys of logged windows forgotten since the last commit. */
    final List<Bytes> closedSinceCommit = new ArrayList<>();
    /** Its entries of the commit being written. */
    WindowBatch.Writer pending;

    Minute(long start) {
      this.start = start;
    }

    void addBatch(long sequence) {
      if (batchCount == batches.length) {
        batches = Arrays.copyOf(batches, batchCount * 2);
      }
      batches[batchCount++] = sequence;
    }
  }

  private final Layout<K, V> layout;
  private final TreeMap<Long, Map<K, Slot<K, V>>> windows = new TreeMap<>();
  /** Every minute with a live window or a batch record, by start. */
  private final TreeMap<Long, Minute> minutes = new TreeMap<>();

  private final List<Slot<K, V>> changed = new ArrayList<>();
  /** The window most events go to, found without boxing its start. */
  private long currentStart = Long.MIN_VALUE;

  private Map<K, Slot<K, V>> current;
  private Minute currentMinute;
  private long nextSequence;
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
      slot.minute = currentMinute;
      currentMinute.live++;
    }
    if (!slot.dirty) {
      slot.dirty = true;
      changed.add(slot);
    }
    return slot.value;
  }

  /**
   * Removes and returns every window starting before {@code before}, in window order and within a
   * window in store-key order. Their end is logged at the next commit.
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
      currentMinute = null;
    }
    return closing;
  }

  /**
   * Forgets a slot taken by {@link #takeBefore}: it is never written again, and the next commit
   * logs its end in the same transaction as whatever the caller sent for it now.
   */
  public void forget(Slot<K, V> slot) {
    if (slot.forgotten) {
      return;
    }
    slot.forgotten = true;
    slot.dirty = false;
    if (slot.stored) {
      inner.delete(storeKey(slot));
      slot.stored = false;
    }
    if (slot.logged) {
      slot.minute.closedSinceCommit.add(storeKey(slot));
      slot.logged = false;
    }
    slot.minute.live--;
  }

  /**
   * Reads a value kept beside the windows (a rarely changed watermark) straight from the store.
   * Its key must be one the layout does not own, and not a {@link WindowBatch} key.
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
    if (!loaded) {
      return; // nothing changed since the heap was built
    }
    for (Slot<K, V> slot : changed) {
      if (slot.dirty) {
        Bytes key = storeKey(slot);
        byte[] value = layout.encode(slot.windowStart, slot.key, slot.value);
        append(slot.minute, key.get(), value);
        slot.dirty = false;
        slot.logged = true;
        if (slot.stored) {
          inner.delete(key); // now in a batch, which a restore reads first: the old record must go
          slot.stored = false;
        }
      }
    }
    changed.clear();
    for (Iterator<Minute> it = minutes.values().iterator(); it.hasNext(); ) {
      Minute minute = it.next();
      if (minute.live == 0) {
        // Every window of it has closed: its records go, whatever they held.
        for (int i = 0; i < minute.batchCount; i++) {
          inner.delete(WindowBatch.key(minute.start, minute.batches[i]));
        }
        it.remove();
        continue;
      }
      for (Bytes closedKey : minute.closedSinceCommit) {
        append(minute, closedKey.get(), null);
      }
      minute.closedSinceCommit.clear();
      if (minute.pending != null && !minute.pending.isEmpty()) {
        writeBatch(minute);
      }
    }
  }

  private void append(Minute minute, byte[] key, byte[] value) {
    if (minute.pending == null) {
      minute.pending = new WindowBatch.Writer(MAX_BATCH_BYTES);
    }
    if (minute.pending.wouldOverflow(key.length, value == null ? 0 : value.length)) {
      writeBatch(minute);
    }
    minute.pending.add(key, value);
  }

  private void writeBatch(Minute minute) {
    long sequence = nextSequence++;
    inner.put(WindowBatch.key(minute.start, sequence), minute.pending.take());
    minute.addBatch(sequence);
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
    minutes.clear();
    changed.clear();
    currentStart = Long.MIN_VALUE;
    current = null;
    currentMinute = null;
    loaded = false;
  }

  private Map<K, Slot<K, V>> window(long windowStart) {
    if (windowStart == currentStart) {
      return current;
    }
    loadIfNeeded();
    current = windows.computeIfAbsent(windowStart, s -> new HashMap<>());
    currentMinute = minutes.computeIfAbsent(windowStart, Minute::new);
    currentStart = windowStart;
    return current;
  }

  /** The heap is built from the logged store on first use after init or a recycle: the restored truth. */
  private void loadIfNeeded() {
    if (loaded) {
      return;
    }
    windows.clear();
    minutes.clear();
    changed.clear();
    nextSequence = 0;
    // Key order is batch records (minute, then write order) first, then single-window records.
    Map<Bytes, Slot<K, V>> byKey = new LinkedHashMap<>();
    try (KeyValueIterator<Bytes, byte[]> all = inner.all()) {
      while (all.hasNext()) {
        KeyValue<Bytes, byte[]> kv = all.next();
        byte[] key = kv.key.get();
        if (WindowBatch.isBatchKey(key)) {
          long sequence = WindowBatch.sequenceOf(key);
          minutes.computeIfAbsent(WindowBatch.minuteOf(key), Minute::new).addBatch(sequence);
          nextSequence = Math.max(nextSequence, sequence + 1);
          WindowBatch.read(kv.value, (entryKey, value) -> {
            Bytes k = Bytes.wrap(entryKey);
            Slot<K, V> slot = value == null ? null : layout.decode(k, value);
            if (slot == null) {
              byKey.remove(k);
            } else {
              slot.logged = true;
              slot.storeKey = k;
              byKey.put(k, slot);
            }
          });
        } else {
          Slot<K, V> slot = layout.decode(kv.key, kv.value);
          if (slot != null) {
            slot.stored = true;
            slot.storeKey = kv.key;
            byKey.put(kv.key, slot);
          }
        }
      }
    }
    for (Slot<K, V> slot : byKey.values()) {
      windows.computeIfAbsent(slot.windowStart, s -> new HashMap<>()).put(slot.key, slot);
      slot.minute = minutes.computeIfAbsent(slot.windowStart, Minute::new);
      slot.minute.live++;
    }
    loaded = true;
  }
}
