package io.tokenmeter.rollup;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;

/** Builds a {@link HeapStore} of values written with a {@link HeapStore.Codec}. */
public final class HeapStoreBuilder<V> extends HeapStateStoreBuilder<HeapStore<V>> {

  private final HeapStore.Codec<V> codec;
  private final int maxOnHeap;

  public HeapStoreBuilder(String name, HeapStore.Codec<V> codec) {
    this(name, codec, HeapStore.MAX_ON_HEAP);
  }

  HeapStoreBuilder(String name, HeapStore.Codec<V> codec, int maxOnHeap) {
    super(name);
    this.codec = codec;
    this.maxOnHeap = maxOnHeap;
  }

  @Override
  protected HeapStore<V> over(KeyValueStore<Bytes, byte[]> logged) {
    return new HeapStore<>(logged, codec, maxOnHeap);
  }
}
