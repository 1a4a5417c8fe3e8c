package io.tokenmeter.rollup;

import java.util.EnumMap;
import java.util.Map;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Writes a rejected {@link Call} back as it arrived (original key and value bytes and headers)
 * plus the {@code tokenmeter.dlq.*} headers, and counts it by reason. Every dead letter of the
 * topology passes here, so the count is complete.
 */
public final class DeadLetterProcessor implements Processor<String, Call, byte[], byte[]> {

  private ProcessorContext<byte[], byte[]> context;
  private final Map<DeadLetterReason, Sensor> counts = new EnumMap<>(DeadLetterReason.class);

  public static ProcessorSupplier<String, Call, byte[], byte[]> supplier() {
    return DeadLetterProcessor::new;
  }

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
    for (DeadLetterReason reason : DeadLetterReason.values()) {
      counts.put(reason, RollupMetrics.deadLetters(context, reason));
    }
  }

  @Override
  public void process(Record<String, Call> record) {
    Call call = record.value();
    Call.DeadLetter dl = call.deadLetter();
    context.forward(new Record<>(
        call.rawKey(),
        call.rawValue(),
        record.timestamp(),
        DeadLetterHeaders.of(
            record.headers(),
            dl.reason(),
            dl.error(),
            call.origin(),
            context.currentSystemTimeMs())));
    counts.get(dl.reason()).record();
  }

  @Override
  public void close() {
    counts.values().forEach(s -> context.metrics().removeSensor(s));
  }
}
