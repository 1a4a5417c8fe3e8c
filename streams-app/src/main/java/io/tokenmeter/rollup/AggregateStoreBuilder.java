package io.tokenmeter.rollup;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds an {@link AggregateStore} over a persistent, logged key-value store. Kafka Streams' record
 * cache stays off under it: the aggregates on the heap are the cache.
 */
final class AggregateStoreBuilder implements StoreBuilder<AggregateStore> {

  private final String name;
  private final int maxOnHeap;
  private final Map<String, String> logConfig = new HashMap<>();

  AggregateStoreBuilder(String name, int maxOnHeap) {
    this.name = name;
    this.maxOnHeap = maxOnHeap;
  }

  @Override
  public AggregateStore build() {
    return new AggregateStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.Bytes(), Serdes.ByteArray())
            .withCachingDisabled()
            .withLoggingEnabled(logConfig)
            .build(),
        maxOnHeap);
  }

  @Override
  public StoreBuilder<AggregateStore> withCachingEnabled() {
    return this; // the heap aggregates are the cache
  }

  @Override
  public StoreBuilder<AggregateStore> withCachingDisabled() {
    return this;
  }

  @Override
  public StoreBuilder<AggregateStore> withLoggingEnabled(Map<String, String> config) {
    logConfig.putAll(config);
    return this;
  }

  @Override
  public StoreBuilder<AggregateStore> withLoggingDisabled() {
    throw new UnsupportedOperationException("the rollup aggregates must be logged: they are the counts");
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
