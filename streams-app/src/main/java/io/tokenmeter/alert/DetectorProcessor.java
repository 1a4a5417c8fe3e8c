package io.tokenmeter.alert;

import io.tokenmeter.rollup.IdleTimer;
import io.tokenmeter.schemas.Alert;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Runs one detector inside Kafka Streams: state in a key-value store, one step per input record,
 * and a stream-time punctuator that closes minutes for every stored scope so quiet scopes resolve.
 * When no input arrives at all, stream time stands still, so a wall-clock punctuator closes minutes
 * too, but only once the task has been idle for grace plus a minute: a backlog being read after an
 * outage must not have its minutes closed under it by a clock that runs ahead of its events.
 * Alerts go downstream keyed by dedup key, stamped with the input's timestamp.
 */
final class DetectorProcessor<K, V, S> implements Processor<K, V, String, Alert> {

  interface Step<V, S> {
    Transition<S> apply(S state, V input, Instant now);
  }

  interface Tick<S> {
    Transition<S> apply(S state, Instant closedUpTo, Instant now);
  }

  static final Duration PUNCTUATE_EVERY = Duration.ofMinutes(1);

  private final String storeName;
  private final Function<V, String> storeKey;
  private final Step<V, S> step;
  private final Tick<S> tick;
  private final Duration grace;
  private final Clock clock;
  private ProcessorContext<String, Alert> context;
  private KeyValueStore<String, S> store;
  // Only decides when the wall clock may close minutes; losing it on a crash merely delays that.
  private final IdleTimer idle = new IdleTimer();

  DetectorProcessor(
      String storeName,
      Function<V, String> storeKey,
      Step<V, S> step,
      Tick<S> tick,
      Duration grace,
      Clock clock) {
    this.storeName = storeName;
    this.storeKey = storeKey;
    this.step = step;
    this.tick = tick;
    this.grace = grace;
    this.clock = clock;
  }

  @Override
  public void init(ProcessorContext<String, Alert> context) {
    this.context = context;
    this.store = context.getStateStore(storeName);
    context.schedule(PUNCTUATE_EVERY, PunctuationType.STREAM_TIME, this::closeMinutes);
    context.schedule(PUNCTUATE_EVERY, PunctuationType.WALL_CLOCK_TIME, this::closeMinutesWhenIdle);
  }

  @Override
  public void process(Record<K, V> record) {
    idle.input(context.currentSystemTimeMs());
    if (record.value() == null) {
      return;
    }
    String key = storeKey.apply(record.value());
    if (key == null) {
      return;
    }
    apply(key, step.apply(store.get(key), record.value(), clock.instant()), record.timestamp());
  }

  private void closeMinutesWhenIdle(long wallClockMs) {
    if (idle.idleFor(grace.plus(PUNCTUATE_EVERY).toMillis(), wallClockMs)) {
      closeMinutes(wallClockMs);
    }
  }

  private void closeMinutes(long streamTime) {
    Instant closedUpTo = Instant.ofEpochMilli(streamTime).minus(grace);
    List<KeyValue<String, S>> entries = new ArrayList<>();
    try (KeyValueIterator<String, S> all = store.all()) {
      all.forEachRemaining(entries::add); // the store changes below; do not write while iterating
    }
    for (KeyValue<String, S> entry : entries) {
      apply(entry.key, tick.apply(entry.value, closedUpTo, clock.instant()), streamTime);
    }
  }

  private void apply(String key, Transition<S> transition, long timestamp) {
    if (transition.state() == null) {
      store.delete(key);
    } else {
      store.put(key, transition.state());
    }
    for (Alert alert : transition.alerts()) {
      context.forward(new Record<>(alert.getDedupKey(), alert, timestamp));
    }
  }
}
