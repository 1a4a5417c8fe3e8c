package io.tokenmeter.rollup;

import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Turns the raw input bytes into a {@link Call}. A record that does not decode is a {@code
 * malformed} dead letter, one that decodes but breaks a rule is {@code invalid}; both keep their
 * original bytes. Nothing thrown here can stop the app.
 */
public final class DecodeProcessor implements Processor<byte[], byte[], String, Call> {

  private final AvroDeserializer<LlmCallEvent> deserializer;
  private ProcessorContext<String, Call> context;

  DecodeProcessor(AvroSerdeConfig avro) {
    this.deserializer = new AvroDeserializer<>(LlmCallEvent.class, avro);
  }

  public static ProcessorSupplier<byte[], byte[], String, Call> supplier(AvroSerdeConfig avro) {
    return () -> new DecodeProcessor(avro);
  }

  @Override
  public void init(ProcessorContext<String, Call> context) {
    this.context = context;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    DeadLetterHeaders.Origin origin = origin();
    String key = Call.keyText(record.key());
    LlmCallEvent event;
    try {
      if (record.value() == null) {
        throw new SerializationException("null value (a tombstone) where an LlmCallEvent was expected");
      }
      event = deserializer.deserialize(origin.topic(), record.value());
    } catch (RuntimeException e) {
      forward(record, key, Call.rejected(record.key(), record.value(), origin, DeadLetterReason.MALFORMED, DeadLetterHeaders.describe(e)));
      return;
    }
    try {
      CallValidation.check(event, context.currentSystemTimeMs());
    } catch (InvalidCallException e) {
      forward(record, key, Call.rejected(record.key(), record.value(), origin, DeadLetterReason.INVALID, DeadLetterHeaders.describe(e)));
      return;
    }
    forward(record, key, Call.decoded(event, record.key(), record.value(), origin));
  }

  private void forward(Record<byte[], byte[]> record, String key, Call call) {
    context.forward(record.withKey(key).withValue(call));
  }

  private DeadLetterHeaders.Origin origin() {
    RecordMetadata m = context.recordMetadata().orElse(null);
    return m == null
        ? new DeadLetterHeaders.Origin("", -1, -1)
        : new DeadLetterHeaders.Origin(m.topic(), m.partition(), m.offset());
  }
}
