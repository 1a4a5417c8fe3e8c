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
 * The rollup aggregates of the windows not yet closed, on the heap: per window start, a hash map
 * from the dimension set to its aggregate, so that an event finds its aggregate with one hash
 * lookup and changes it in place, with no key encoded and no sorted map walked. Each aggregate an
 * event changed is encoded and written to the logged store once per commit ({@link
 * HeapStateStore}), under the state key of {@link RollupKeys}.
 *
 * <p>The heap holds every open window: the logged store is read once, the first time the task uses
 * it after an init or a recycle. The open windows are bounded by the grace period and the
 * cardinality guard, which is what bounds this store anyway.
 */
public final class OpenWindows extends HeapStateStore {

  /** One window and dimension set. */
  static final class Slot {
    final long windowStart;
    final Dimensions dimensions;
    final RollupAggregate aggregate;
    /** Changed since it was last written to the store. */
    boolean dirty;
    /** The store holds a version of it, so closing it must write a tombstone. */
    boolean stored;

    Slot(long windowStart, Dimensions dimensions, RollupAggregate aggregate) {
      this.windowStart = windowStart;
      this.dimensions = dimensions;
      this.aggregate = aggregate;
    }

    Bytes stateKey() {
      return Bytes.wrap(RollupKeys.stateKey(windowStart, dimensions));
    }
  }

  private final TreeMap<Long, Map<Dimensions, Slot>> windows = new TreeMap<>();
  private final List<Slot> changed = new ArrayList<>();
  /** The window most events go to, found without boxing its start. */
  private long currentStart = Long.MIN_VALUE;
  private Map<Dimensions, Slot> current;
  private boolean loaded;

  OpenWindows(KeyValueStore<Bytes, byte[]> logged) {
    super(logged);
  }

  /** The aggregate of {@code dimensions} in the window starting at {@code windowStart}, for the caller to change now. */
  RollupAggregate forUpdate(long windowStart, Dimensions dimensions) {
    Slot slot = window(windowStart).computeIfAbsent(dimensions, d -> new Slot(windowStart, d, new RollupAggregate()));
    if (!slot.dirty) {
      slot.dirty = true;
      changed.add(slot);
    }
    return slot.aggregate;
  }

  /**
   * Removes and returns every window starting before {@code before}, in window order and within a
   * window in state-key order. Their tombstones go to the store in the same processor call.
   */
  List<Slot> removeBefore(long before) {
    loadIfNeeded();
    List<Slot> closing = new ArrayList<>();
    Map<Long, Map<Dimensions, Slot>> head = windows.headMap(before);
    for (Map<Dimensions, Slot> window : head.values()) {
      List<KeyValue<Bytes, Slot>> ordered = new ArrayList<>(window.size());
      for (Slot slot : window.values()) {
        ordered.add(KeyValue.pair(slot.stateKey(), slot));
      }
      ordered.sort((a, b) -> a.key.compareTo(b.key));
      for (KeyValue<Bytes, Slot> kv : ordered) {
        if (kv.value.stored) {
          inner.delete(kv.key);
        }
        kv.value.dirty = false; // never to be written again
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

  /** Aggregates on the heap (for tests and diagnostics). */
  int size() {
    loadIfNeeded();
    int n = 0;
    for (Map<Dimensions, Slot> w : windows.values()) {
      n += w.size();
    }
    return n;
  }

  @Override
  public void flushCache() {
    for (Slot slot : changed) {
      if (slot.dirty) {
        inner.put(slot.stateKey(), slot.aggregate.encode());
        slot.dirty = false;
        slot.stored = true;
      }
    }
    changed.clear();
  }

  @Override
  protected void forgetHeap() {
    windows.clear();
    changed.clear();
    currentStart = Long.MIN_VALUE;
    current = null;
    loaded = false;
  }

  private Map<Dimensions, Slot> window(long windowStart) {
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
        BinaryReader reader = new BinaryReader(kv.key.get());
        long windowStart = RollupKeys.windowStartOf(reader);
        Dimensions dimensions = Dimensions.readFrom(reader);
        Slot slot = new Slot(windowStart, dimensions, RollupAggregate.decode(kv.value));
        slot.stored = true;
        windows.computeIfAbsent(windowStart, s -> new HashMap<>()).put(dimensions, slot);
      }
    }
    loaded = true;
  }
}
