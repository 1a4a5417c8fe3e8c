package io.tokenmeter.alert;

import io.tokenmeter.rollup.IdleTimer;
import io.tokenmeter.rollup.RollupStores;
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
 * and, once a minute of event time, a close of the minutes for every stored scope so quiet scopes
 * resolve. When no input arrives at all, event time stands still, so a wall-clock punctuator closes
 * minutes too, but only once the task has been idle for grace plus a minute: a backlog being read
 * after an outage must not have its minutes closed under it by a clock that runs ahead of its
 * events. Alerts go downstream keyed by dedup key, stamped with the input's timestamp.
 *
 * <p>Event time is the highest timestamp of this processor's own input, and, with a task clock
 * store, also the highest event time the task counted: a detector whose input is rare (auth errors,
 * unpriced rollups) still closes minutes while the task's other calls flow. It is not Kafka
 * Streams' stream time, which every record read moves, including one that was dead-lettered for a
 * timestamp from a fast clock: that one record would close every minute up to its clock. A
 * stream-time punctuator is kept only to notice, between inputs, that the task clock moved.
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
  private final String taskClockStore;
  /** The one child alerts go to, by name, or null for every child. */
  private final String child;

  private ProcessorContext<String, Alert> context;
  private KeyValueStore<String, S> store;
  private KeyValueStore<String, Long> taskClock;
  /**
   * The highest input timestamp, and when the next close by event time is due: like a stream-time
   * punctuator, at the first input, then at every minute boundary. On the heap: after a restart the
   * first input closes again, which finds the minutes the stores say are closed.
   */
  private long ownEventTime = Long.MIN_VALUE;

  private long nextCloseAt = Long.MIN_VALUE;
  // Only decides when the wall clock may close minutes; losing it on a crash merely delays that.
  private final IdleTimer idle = new IdleTimer();

  /**
   * @param taskClockStore the task clock's store (the rollup's), or null to follow only this
   *     processor's own input
   * @param child the one child alerts go to, or null for every child
   */
  DetectorProcessor(
      String storeName,
      Function<V, String> storeKey,
      Step<V, S> step,
      Tick<S> tick,
      Duration grace,
      Clock clock,
      String taskClockStore,
      String child) {
    this.child = child;
    this.storeName = storeName;
    this.storeKey = storeKey;
    this.step = step;
    this.tick = tick;
    this.grace = grace;
    this.clock = clock;
    this.taskClockStore = taskClockStore;
  }

  @Override
  public void init(ProcessorContext<String, Alert> context) {
    this.context = context;
    this.store = context.getStateStore(storeName);
    this.taskClock = taskClockStore == null ? null : context.getStateStore(taskClockStore);
    context.schedule(
        PUNCTUATE_EVERY, PunctuationType.STREAM_TIME, streamTime -> closeMinutesByEventTime());
    context.schedule(PUNCTUATE_EVERY, PunctuationType.WALL_CLOCK_TIME, this::onWallClock);
  }

  @Override
  public void process(Record<K, V> record) {
    onInput(record.value(), record.timestamp());
  }

  /** One input, as {@link #process} takes it, for a processor that runs this detector inside itself. */
  void onInput(V value, long timestamp) {
    idle.input(context.currentSystemTimeMs());
    ownEventTime = Math.max(ownEventTime, timestamp);
    String key = value == null ? null : storeKey.apply(value);
    if (key != null) {
      apply(key, step.apply(store.get(key), value, clock.instant()), timestamp);
    }
    closeMinutesByEventTime();
  }

  private void onWallClock(long wallClockMs) {
    if (idle.idleFor(grace.plus(PUNCTUATE_EVERY).toMillis(), wallClockMs)) {
      closeMinutes(wallClockMs);
    } else {
      // Stream time may stand ahead of event time (a dead-lettered record from a fast clock moved
      // it), and then its punctuator stays silent while the task clock moves on.
      closeMinutesByEventTime();
    }
  }

  private void closeMinutesByEventTime() {
    long eventTime = eventTime();
    if (eventTime == Long.MIN_VALUE || eventTime < nextCloseAt) {
      return;
    }
    long every = PUNCTUATE_EVERY.toMillis();
    nextCloseAt = Math.floorDiv(eventTime, every) * every + every;
    closeMinutes(eventTime);
  }

  private long eventTime() {
    Long counted = taskClock == null ? null : RollupStores.countedEventTime(taskClock);
    return counted == null ? ownEventTime : Math.max(ownEventTime, counted);
  }

  private void closeMinutes(long now) {
    Instant closedUpTo = Instant.ofEpochMilli(now).minus(grace);
    List<KeyValue<String, S>> entries = new ArrayList<>();
    try (KeyValueIterator<String, S> all = store.all()) {
      all.forEachRemaining(entries::add); // the store changes below; do not write while iterating
    }
    for (KeyValue<String, S> entry : entries) {
      apply(entry.key, tick.apply(entry.value, closedUpTo, clock.instant()), now);
    }
  }

  private void apply(String key, Transition<S> transition, long timestamp) {
    if (transition.state() == null) {
      store.delete(key);
    } else {
      store.put(key, transition.state());
    }
    for (Alert alert : transition.alerts()) {
      Record<String, Alert> out = new Record<>(alert.getDedupKey(), alert, timestamp);
      if (child == null) {
        context.forward(out);
      } else {
        context.forward(out, child);
      }
    }
  }
}
