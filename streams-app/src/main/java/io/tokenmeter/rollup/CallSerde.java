package io.tokenmeter.rollup;

import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * How a {@link Call} crosses the repartition topic: the original bytes and origin only. The event
 * is decoded again on the other side (it decoded once already, so it decodes again), which keeps
 * the repartitioned record as small as the input and the original bytes intact for the
 * dead-letter topic.
 */
public final class CallSerde implements Serde<Call> {

  private static final int FORMAT = 1;

  private final AvroDeserializer<LlmCallEvent> events;

  public CallSerde(AvroSerdeConfig avro) {
    this.events = new AvroDeserializer<>(LlmCallEvent.class, avro);
  }

  @Override
  public Serializer<Call> serializer() {
    return (topic, call) -> {
      if (call == null) {
        return null;
      }
      BinaryWriter w =
          new BinaryWriter(64 + (call.rawValue() == null ? 0 : call.rawValue().length));
      w.writeByte(FORMAT);
      w.writeNullableBytes(call.rawKey());
      w.writeNullableBytes(call.rawValue());
      DeadLetterHeaders.Origin o = call.origin();
      w.writeString(o.topic());
      w.writeVarLong(o.partition());
      w.writeVarLong(o.offset());
      return w.toByteArray();
    };
  }

  @Override
  public Deserializer<Call> deserializer() {
    return (topic, data) -> {
      if (data == null) {
        return null;
      }
      try {
        BinaryReader r = new BinaryReader(data);
        int format = r.readByte();
        if (format != FORMAT) {
          throw new SerializationException(
              "unknown repartitioned call format " + format + " on " + topic);
        }
        byte[] rawKey = r.readNullableBytes();
        byte[] rawValue = r.readNullableBytes();
        DeadLetterHeaders.Origin origin =
            new DeadLetterHeaders.Origin(r.readString(), (int) r.readVarLong(), r.readVarLong());
        LlmCallEvent event = events.deserialize(origin.topic(), rawValue);
        return Call.decoded(event, rawKey, rawValue, origin);
      } catch (IllegalArgumentException e) {
        throw new SerializationException(
            "corrupt repartitioned call on " + topic + ": " + e.getMessage(), e);
      }
    };
  }
}
