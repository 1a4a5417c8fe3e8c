package io.tokenmeter.rollup;

import java.util.AbstractMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The logged store behind a {@link TenantGuard}: the guard lives on the heap and this store writes
 * its changes (values admitted or seen in a later minute, tombstones for slots freed) at every
 * commit, through the hook of {@link HeapStateStore}, before the transaction that also commits the
 * input offsets.
 *
 * <p>The processor {@link #attach attaches} its guard in {@code init}, after restoration: the
 * store then loads every entry into it, once. When the task closes or its state is dropped, the
 * guard is detached; the next {@code init} loads it again from the store, the last committed state.
 */
public final class TenantGuardStore extends HeapStateStore {

  private TenantGuard guard;

  TenantGuardStore(KeyValueStore<Bytes, byte[]> inner) {
    super(inner);
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

  /** The task's state is dropped, closed or initialised: the guard on the heap must not outlive it. */
  @Override
  protected void forgetHeap() {
    guard = null;
  }
}
