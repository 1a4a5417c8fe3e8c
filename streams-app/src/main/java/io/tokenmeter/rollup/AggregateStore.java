package io.tokenmeter.rollup;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * The open window aggregates of a task: decoded objects on the heap in front of a logged key-value
 * store of their encoded bytes. An event updates its aggregate in place; the aggregate is encoded
 * and written to the store (and so to its changelog) once per commit, not once per event, which
 * spares the decode and re-encode of the whole aggregate and its latency sketch on every event.
 *
 * <p>Why it cannot lose a count: Kafka Streams commits a task's input offsets without asking its
 * processors, so heap state has to reach the logged store inside every commit. It does, the way
 * Kafka Streams' own record cache does: this store implements {@link CachedStateStore}, whose
 * {@link #flushCache()} the task calls while preparing each commit, before it flushes the producer
 * and (under exactly-once) commits the transaction that holds the changelog writes and the
 * offsets together. A punctuator would not do: a crash between a commit and the next punctuation
 * would keep the offsets and lose the counts. When a task closes dirty (a crash, a fenced producer)
 * the heap copy is dropped with the store and the task restores from the changelog, the last
 * committed state.
 *
 * <p>{@code CachedStateStore} is a Kafka Streams internal interface; {@code
 * AggregateStoreCommitTest} and the crash-recovery tests pin the behaviour this class relies on.
 */
public final class AggregateStore implements StateStore, CachedStateStore<Bytes, byte[]> {

  /**
   * Above this many aggregates on the heap, a write also flushes and forgets the clean ones, so a
   * burst of cardinality cannot grow the heap without bound. An aggregate is some hundreds of
   * bytes on the heap, so this caps one task at a few tens of megabytes.
   */
  static final int MAX_ON_HEAP = 50_000;

  private final KeyValueStore<Bytes, byte[]> inner;
  private final int maxOnHeap;
  private final TreeMap<Bytes, Entry> onHeap = new TreeMap<>();

  private static final class Entry {
    final RollupAggregate aggregate;
    /** Changed since it was last written to the store. */
    boolean dirty;
    /** The store holds a version of it (so removing it must write a tombstone). */
    boolean stored;

    Entry(RollupAggregate aggregate, boolean dirty, boolean stored) {
      this.aggregate = aggregate;
      this.dirty = dirty;
      this.stored = stored;
    }
  }

  AggregateStore(KeyValueStore<Bytes, byte[]> inner, int maxOnHeap) {
    this.inner = inner;
    this.maxOnHeap = maxOnHeap;
  }

  /**
   * The aggregate under {@code key}, created empty if there is none, for the caller to change in
   * place now: it counts as changed and is written at the next commit.
   */
  RollupAggregate getForUpdate(Bytes key) {
    Entry e = onHeap.get(key);
    if (e == null) {
      if (onHeap.size() >= maxOnHeap) {
        flushCache();
        onHeap.clear();
      }
      byte[] stored = inner.get(key);
      e = stored == null ? new Entry(new RollupAggregate(), true, false) : new Entry(RollupAggregate.decode(stored), true, true);
      onHeap.put(key, e);
    }
    e.dirty = true;
    return e.aggregate;
  }

  /**
   * Removes and returns, in key order, every aggregate with {@code from <= key < before}: the
   * windows to close. Their tombstones go to the store in the same processor call.
   */
  List<KeyValue<Bytes, RollupAggregate>> removeRange(Bytes from, Bytes before) {
    TreeMap<Bytes, Entry> closing = new TreeMap<>();
    try (KeyValueIterator<Bytes, byte[]> stored = inner.range(from, before)) {
      while (stored.hasNext()) {
        KeyValue<Bytes, byte[]> kv = stored.next();
        if (before.compareTo(kv.key) > 0) { // range() includes its upper bound
          closing.put(kv.key, new Entry(RollupAggregate.decode(kv.value), false, true));
        }
      }
    }
    for (Iterator<Map.Entry<Bytes, Entry>> it = onHeap.subMap(from, true, before, false).entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Bytes, Entry> e = it.next();
      closing.put(e.getKey(), e.getValue()); // the heap copy is the newer one
      it.remove();
    }
    List<KeyValue<Bytes, RollupAggregate>> out = new ArrayList<>(closing.size());
    for (Map.Entry<Bytes, Entry> e : closing.entrySet()) {
      if (e.getValue().stored) {
        inner.delete(e.getKey());
      }
      out.add(KeyValue.pair(e.getKey(), e.getValue().aggregate));
    }
    return out;
  }

  /** Number of aggregates held on the heap (for tests). */
  int onHeap() {
    return onHeap.size();
  }

  /** Writes every changed aggregate to the logged store: called by the task in every commit. */
  @Override
  public void flushCache() {
    for (Map.Entry<Bytes, Entry> e : onHeap.entrySet()) {
      Entry entry = e.getValue();
      if (entry.dirty) {
        inner.put(e.getKey(), entry.aggregate.encode());
        entry.dirty = false;
        entry.stored = true;
      }
    }
  }

  /** Called when the task's state is recycled: forget the heap copy, the store is the truth. */
  @Override
  public void clearCache() {
    onHeap.clear();
  }

  @Override
  public boolean setFlushListener(CacheFlushListener<Bytes, byte[]> listener, boolean sendOldValues) {
    return false;
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    onHeap.clear();
    inner.init(context, root);
  }

  @Override
  public void commit(Map<TopicPartition, Long> changelogOffsets) {
    inner.commit(changelogOffsets);
  }

  @Override
  public boolean managesOffsets() {
    return inner.managesOffsets();
  }

  @Override
  public Long committedOffset(TopicPartition partition) {
    return inner.committedOffset(partition);
  }

  @Override
  public void close() {
    // A clean close has flushed in its last commit; after a dirty one the heap must not survive.
    onHeap.clear();
    inner.close();
  }

  @Override
  public boolean persistent() {
    return inner.persistent();
  }

  @Override
  public boolean isOpen() {
    return inner.isOpen();
  }

  @Override
  public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
    return inner.query(query, positionBound, config);
  }

  @Override
  public long approximateNumUncommittedBytes() {
    return inner.approximateNumUncommittedBytes();
  }

  @Override
  public Position getPosition() {
    return inner.getPosition();
  }
}
