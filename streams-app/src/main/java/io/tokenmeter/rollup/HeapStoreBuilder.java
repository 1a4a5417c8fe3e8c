package io.tokenmeter.rollup;

/**
 * Builds a {@link HeapStore} over a persistent, logged key-value store. Kafka Streams' record
 * cache stays off under it: the values on the heap are the cache.
 */
public final class HeapStoreBuilder<V> extends LoggedStoreBuilder<HeapStore<V>> {

  public HeapStoreBuilder(String name, HeapStore.Codec<V> codec) {
    this(name, codec, HeapStore.MAX_ON_HEAP);
  }

  HeapStoreBuilder(String name, HeapStore.Codec<V> codec, int maxOnHeap) {
    super(name, inner -> new HeapStore<>(inner, codec, maxOnHeap));
  }
}
