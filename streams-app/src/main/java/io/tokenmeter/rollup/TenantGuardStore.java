package io.tokenmeter.rollup;

import java.util.AbstractMap;
import java.util.Iterator;
import java.util.Map;
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
 * The logged store behind a {@link TenantGuard}: the guard lives on the heap and this store writes
 * its changes (values admitted or seen in a later minute, tombstones for slots freed) at every
 * commit, through the same hook as {@link HeapStore}: {@link #flushCache()}, which the task calls
 * while preparing each commit, before the transaction that also commits the input offsets. A
 * punctuator would not do: a crash between a commit and the punctuation would keep the offsets and
 * lose the admissions.
 *
 * <p>The processor {@link #attach attaches} its guard in {@code init}, after restoration: the
 * store then loads every entry into it, once. When the task closes or its state is dropped, the
 * guard is detached; the next {@code init} loads it again from the store, the last committed state.
 */
public final class TenantGuardStore implements StateStore, CachedStateStore<Bytes, byte[]> {

  private final KeyValueStore<Bytes, byte[]> inner;
  private TenantGuard guard;

  TenantGuardStore(KeyValueStore<Bytes, byte[]> inner) {
    this.inner = inner;
  }

  /** Loads the stored state into {@code guard} and writes its changes from now on. */
  void attach(TenantGuard guard) {
    try (KeyValueIterator<Bytes, byte[]> all = inner.all()) {
      guard.load(new Iterator<>() {
        @Override
        public boolean hasNext() {
          return all.hasNext();
        }

        @Override
        public Map.Entry<Bytes, byte[]> next() {
          KeyValue<Bytes, byte[]> kv = all.next();
          return new AbstractMap.SimpleImmutableEntry<>(kv.key, kv.value);
        }
      });
    }
    this.guard = guard;
  }

  /** Number of entries in the logged store, counted one by one: for tests and diagnostics. */
  public long storedCount() {
    long n = 0;
    try (var all = inner.all()) {
      for (; all.hasNext(); all.next()) {
        n++;
      }
    }
    return n;
  }

  /** Writes the guard's changes to the logged store: called by the task in every commit. */
  @Override
  public void flushCache() {
    if (guard != null) {
      guard.writeChanges((key, value) -> {
        if (value == null) {
          inner.delete(key);
        } else {
          inner.put(key, value);
        }
      });
    }
  }

  /** Called when the task's state is dropped: the guard on the heap must not outlive it. */
  @Override
  public void clearCache() {
    guard = null;
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
    guard = null;
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
    guard = null;
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
