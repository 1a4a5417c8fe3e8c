package io.tokenmeter.rollup;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds a store that keeps its state on the heap and writes it, at every commit, to a persistent,
 * logged key-value store of bytes ({@link HeapStore}, {@link TenantGuardStore}). Kafka Streams'
 * record cache stays off under it: the heap is the cache. Logging cannot be turned off: the heap
 * state is counts and admissions that must survive a crash.
 */
class LoggedStoreBuilder<S extends StateStore> implements StoreBuilder<S> {

  private final String name;
  private final Function<KeyValueStore<Bytes, byte[]>, S> wrap;
  private final Map<String, String> logConfig = new HashMap<>();

  LoggedStoreBuilder(String name, Function<KeyValueStore<Bytes, byte[]>, S> wrap) {
    this.name = name;
    this.wrap = wrap;
  }

  @Override
  public S build() {
    return wrap.apply(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.Bytes(), Serdes.ByteArray())
            .withCachingDisabled()
            .withLoggingEnabled(logConfig)
            .build());
  }

  @Override
  public StoreBuilder<S> withCachingEnabled() {
    return this; // the heap is the cache
  }

  @Override
  public StoreBuilder<S> withCachingDisabled() {
    return this;
  }

  @Override
  public StoreBuilder<S> withLoggingEnabled(Map<String, String> config) {
    logConfig.putAll(config);
    return this;
  }

  @Override
  public StoreBuilder<S> withLoggingDisabled() {
    throw new UnsupportedOperationException("a heap-backed store must be logged: its state must survive a crash");
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
