package io.tokenmeter.rollup;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * State a processor keeps on the heap, in front of a logged key-value store of bytes that it
 * writes to in every commit. The heap is what the per-event path touches; the logged store (and
 * its changelog) is the truth a restarted task restores from.
 *
 * <p>Why every commit and not a punctuator: Kafka Streams commits a task's input offsets without
 * asking its processors, so what the heap holds must reach the logged store inside every commit.
 * It does, the way Kafka Streams' own record cache does: this store implements {@link
 * CachedStateStore}, whose {@link #flushCache()} the task calls while preparing each commit,
 * before it flushes the producer and (under exactly-once) commits the transaction that holds the
 * changelog writes and the offsets together. A crash between a commit and a punctuation would
 * keep the offsets and lose the state. When a task closes dirty (a crash, a fenced producer) the
 * heap is dropped with the store and the task restores from the changelog, the last committed
 * state.
 *
 * <p>{@code CachedStateStore} is a Kafka Streams internal interface; {@code HeapStoreTest}, {@code
 * SeenEventIdsStoreTest} and the crash-recovery tests pin the behaviour this relies on.
 */
public abstract class HeapStateStore implements StateStore, CachedStateStore<Bytes, byte[]> {

  protected final KeyValueStore<Bytes, byte[]> inner;

  protected HeapStateStore(KeyValueStore<Bytes, byte[]> inner) {
    this.inner = inner;
  }

  /** Writes what changed on the heap to the logged store: called by the task in every commit. */
  @Override
  public abstract void flushCache();

  /** Forgets the heap copy; the logged store is the truth from here on. */
  protected abstract void forgetHeap();

  /** Called when the task's state is recycled: the store is the truth. */
  @Override
  public final void clearCache() {
    forgetHeap();
  }

  @Override
  public boolean setFlushListener(
      CacheFlushListener<Bytes, byte[]> listener, boolean sendOldValues) {
    return false;
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    forgetHeap();
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
    forgetHeap();
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

  /**
   * Number of entries in the logged store, counted one by one: for tests and diagnostics that
   * show the state stays bounded, not for the hot path.
   */
  public long storedCount() {
    long n = 0;
    try (var all = inner.all()) {
      for (; all.hasNext(); all.next()) {
        n++;
      }
    }
    return n;
  }
}
