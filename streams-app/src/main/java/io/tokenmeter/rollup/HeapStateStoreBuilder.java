package io.tokenmeter.rollup;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds a {@link HeapStateStore} over a persistent, logged key-value store of bytes. Kafka
 * Streams' record cache stays off under it: the heap is the cache, and it is always logged,
 * because what it holds (counts, seen ids) must survive a crash.
 *
 * @param <S> the heap store built over the logged one
 */
public abstract class HeapStateStoreBuilder<S extends HeapStateStore> implements StoreBuilder<S> {

  private final String name;
  private final Map<String, String> logConfig = new HashMap<>();

  protected HeapStateStoreBuilder(String name) {
    this.name = name;
  }

  /** The heap store over {@code logged}. */
  protected abstract S over(KeyValueStore<Bytes, byte[]> logged);

  @Override
  public final S build() {
    return over(Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(name), Serdes.Bytes(), Serdes.ByteArray())
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
    throw new UnsupportedOperationException(
        "a heap store must be logged: it holds what a restart must find");
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
