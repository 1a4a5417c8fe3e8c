package io.tokenmeter.rollup;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds a {@link HeapStore} over a persistent, logged key-value store. Kafka Streams' record
 * cache stays off under it: the values on the heap are the cache.
 */
public final class HeapStoreBuilder<V> implements StoreBuilder<HeapStore<V>> {

  private final String name;
  private final HeapStore.Codec<V> codec;
  private final int maxOnHeap;
  private final Map<String, String> logConfig = new HashMap<>();

  public HeapStoreBuilder(String name, HeapStore.Codec<V> codec) {
    this(name, codec, HeapStore.MAX_ON_HEAP);
  }

  HeapStoreBuilder(String name, HeapStore.Codec<V> codec, int maxOnHeap) {
    this.name = name;
    this.codec = codec;
    this.maxOnHeap = maxOnHeap;
  }

  @Override
  public HeapStore<V> build() {
    return new HeapStore<>(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.Bytes(), Serdes.ByteArray())
            .withCachingDisabled()
            .withLoggingEnabled(logConfig)
            .build(),
        codec,
        maxOnHeap);
  }

  @Override
  public StoreBuilder<HeapStore<V>> withCachingEnabled() {
    return this; // the heap aggregates are the cache
  }

  @Override
  public StoreBuilder<HeapStore<V>> withCachingDisabled() {
    return this;
  }

  @Override
  public StoreBuilder<HeapStore<V>> withLoggingEnabled(Map<String, String> config) {
    logConfig.putAll(config);
    return this;
  }

  @Override
  public StoreBuilder<HeapStore<V>> withLoggingDisabled() {
    throw new UnsupportedOperationException("a heap store must be logged: its values are counts");
  }

  @Override
  public Map<String, String> logConfig() {
    return logConfig;
  }

  @Override
  public boolean loggingEnabled() {
    return true;
  }

  @Override
  public String name() {
    return name;
  }
}
