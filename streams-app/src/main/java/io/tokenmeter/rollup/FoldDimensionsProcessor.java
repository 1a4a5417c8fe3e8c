package io.tokenmeter.rollup;

import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The cardinality guard: each dimension tracks at most {@code maxDistinctValues} values per task
 * (in a logged store, so the set survives restarts); a value beyond those becomes {@code
 * __other__} and the event is counted in {@code folded_events}. The empty value ("none") always
 * passes and takes no slot.
 */
public final class FoldDimensionsProcessor implements Processor<String, Call, String, Call> {

  private final int maxDistinctValues;
  private ProcessorContext<String, Call> context;
  private KeyValueStore<String, Long> known;
  private Sensor folded;

  FoldDimensionsProcessor(int maxDistinctValues) {
    this.maxDistinctValues = maxDistinctValues;
  }

  public static ProcessorSupplier<String, Call, String, Call> supplier(int maxDistinctValues) {
    return () -> new FoldDimensionsProcessor(maxDistinctValues);
  }

  @Override
  public void init(ProcessorContext<String, Call> context) {
    this.context = context;
    this.known = context.getStateStore(RollupStores.DIMENSION_VALUES);
    this.folded = RollupMetrics.foldedEvents(context);
  }

  @Override
  public void process(Record<String, Call> record) {
    Call call = record.value();
    Dimensions d = call.dimensions();
    String[] values = new String[Dimensions.COUNT];
    boolean anyFolded = false;
    for (int i = 0; i < Dimensions.COUNT; i++) {
      values[i] = d.get(i);
      if (!admit(i, values[i], record.timestamp())) {
        values[i] = Dimensions.OTHER;
        anyFolded = true;
      }
    }
    if (anyFolded) {
      folded.record();
      call = call.withDimensions(d.with(values), true);
    }
    context.forward(record.withValue(call));
  }

  private boolean admit(int dimension, String value, long timestamp) {
    if (value.isEmpty() || Dimensions.OTHER.equals(value)) {
      return true;
    }
    String key = dimension + "|" + value;
    if (known.get(key) != null) {
      return true;
    }
    String countKey = "#" + dimension;
    Long count = known.get(countKey);
    long n = count == null ? 0 : count;
    if (n >= maxDistinctValues) {
      return false;
    }
    known.put(key, timestamp);
    known.put(countKey, n + 1);
    return true;
  }

  @Override
  public void close() {
    context.metrics().removeSensor(folded);
  }
}
