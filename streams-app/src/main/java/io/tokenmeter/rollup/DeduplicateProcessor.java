package io.tokenmeter.rollup;

import java.time.Duration;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Drops an event whose {@code event_id} was already counted. A replay carries the same record key,
 * so it reaches the same task and store. The "seen" mark is a store write in the same task as the
 * count, so under exactly-once both commit or neither does.
 *
 * <p>Ids are remembered by event time: an id is found again when the replay's event time is
 * within the horizon of the first one, for as long as the store keeps it, which is at least the
 * horizon of stream time (it then drops whole segments).
 */
public final class DeduplicateProcessor implements Processor<String, Call, String, Call> {

  private final long horizonMillis;
  private ProcessorContext<String, Call> context;
  private WindowStore<String, Long> seen;
  private Sensor duplicates;

  DeduplicateProcessor(Duration horizon) {
    this.horizonMillis = horizon.toMillis();
  }

  public static ProcessorSupplier<String, Call, String, Call> supplier(Duration horizon) {
    return () -> new DeduplicateProcessor(horizon);
  }

  @Override
  public void init(ProcessorContext<String, Call> context) {
    this.context = context;
    this.seen = context.getStateStore(RollupStores.DEDUP);
    this.duplicates = RollupMetrics.duplicateEvents(context);
  }

  @Override
  public void process(Record<String, Call> record) {
    String id = record.value().event().getEventId();
    long eventTime = record.value().event().getTimestamp().toEpochMilli();
    try (WindowStoreIterator<Long> earlier =
        seen.fetch(id, eventTime - horizonMillis, eventTime + horizonMillis)) {
      if (earlier.hasNext()) {
        duplicates.record();
        return;
      }
    }
    seen.put(id, eventTime, eventTime);
    context.forward(record);
  }

  @Override
  public void close() {
    context.metrics().removeSensor(duplicates);
  }
}
