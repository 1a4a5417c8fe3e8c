package io.tokenmeter.rollup;

import io.tokenmeter.schemas.ApiKeyFields;
import io.tokenmeter.schemas.CallEventKeys;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerializer;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Turns the raw input bytes into a {@link Call}. A record that does not decode is a {@code
 * malformed} dead letter, one that decodes but breaks a rule is {@code invalid}, and a valid one
 * stamped more than {@code rollup.future.tolerance} ahead of the app's wall clock is {@code
 * future}; all keep their original bytes. Nothing thrown here can stop the app.
 *
 * <p>One exception to "original bytes": an event whose {@code api_key_hint} or {@code
 * api_key_fingerprint} is not SDK-shaped may carry a whole API key (a producer other than the SDK
 * pasted it). It is an {@code invalid} dead letter whose value is the event with those fields
 * replaced by a redaction marker, written in single-object encoding, so the app never writes the
 * key to a topic again.
 */
public final class DecodeProcessor implements Processor<byte[], byte[], String, Call> {

  /** The child that takes dead letters (malformed, invalid, future), by name. */
  public static final String REJECTED = "rejected-or-late";
  /** The child that takes calls keyed as the SDK keys them ({@link CallEventKeys}), by name. */
  public static final String KEYED = "by-org-project";
  /** The child that takes calls under any other key, to be repartitioned, by name. */
  public static final String MIS_KEYED = "expected-key";

  /** What replaces a key field that may hold a key; it matches neither SDK shape, on purpose. */
  static final String REDACTED = "[redacted]";

  private final AvroDeserializer<LlmCallEvent> deserializer;
  private final Duration futureTolerance;
  private final AvroSerializer<LlmCallEvent> redactedCopies =
      new AvroSerializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry());
  private ProcessorContext<String, Call> context;

  DecodeProcessor(AvroSerdeConfig avro, Duration futureTolerance) {
    this.deserializer = new AvroDeserializer<>(LlmCallEvent.class, avro);
    this.futureTolerance = futureTolerance;
  }

  public static ProcessorSupplier<byte[], byte[], String, Call> supplier(
      AvroSerdeConfig avro, Duration futureTolerance) {
    return () -> new DecodeProcessor(avro, futureTolerance);
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
        throw new SerializationException(
            "null value (a tombstone) where an LlmCallEvent was expected");
      }
      event = deserializer.deserialize(origin.topic(), record.value());
    } catch (RuntimeException e) {
      forward(
          record,
          key,
          Call.rejected(
              record.key(),
              record.value(),
              origin,
              DeadLetterReason.MALFORMED,
              DeadLetterHeaders.describe(e)));
      return;
    }
    Optional<String> keyProblem =
        ApiKeyFields.keyProblem(event.getApiKeyHint(), event.getApiKeyFingerprint());
    if (keyProblem.isPresent()) {
      byte[] redacted = redactedCopies.serialize(origin.topic(), redactKeyFields(event));
      forward(
          record,
          key,
          Call.rejected(
              record.key(),
              redacted,
              origin,
              DeadLetterReason.INVALID,
              keyProblem.get()
                  + "; this dead letter holds the event with the key fields redacted"));
      return;
    }
    long now = context.currentSystemTimeMs();
    try {
      CallValidation.check(event, now);
    } catch (InvalidCallException e) {
      forward(
          record,
          key,
          Call.rejected(
              record.key(),
              record.value(),
              origin,
              DeadLetterReason.INVALID,
              DeadLetterHeaders.describe(e)));
      return;
    }
    Optional<String> ahead = CallValidation.aheadOfClock(event, now, futureTolerance);
    if (ahead.isPresent()) {
      forward(
          record,
          key,
          Call.rejected(
              record.key(), record.value(), origin, DeadLetterReason.FUTURE, ahead.get()));
      return;
    }
    forward(record, key, Call.decoded(event, record.key(), record.value(), origin));
  }

  /** Sends a call to the child for its kind: a dead letter, keyed as expected, or mis-keyed. */
  private static LlmCallEvent redactKeyFields(LlmCallEvent event) {
    // Both fields go when either may hold a key: a producer that pasted one may have pasted both.
    return LlmCallEvent.newBuilder(event)
        .setApiKeyHint(REDACTED)
        .setApiKeyFingerprint(REDACTED)
        .build();
  }

  private void forward(Record<byte[], byte[]> record, String key, Call call) {
    String child = call.isDeadLetter() ? REJECTED : call.isKeyedAsExpected(key) ? KEYED : MIS_KEYED;
    context.forward(record.withKey(key).withValue(call), child);
  }

  private DeadLetterHeaders.Origin origin() {
    RecordMetadata m = context.recordMetadata().orElse(null);
    return m == null
        ? new DeadLetterHeaders.Origin("", -1, -1)
        : new DeadLetterHeaders.Origin(m.topic(), m.partition(), m.offset());
  }
}
