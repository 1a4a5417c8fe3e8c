package io.tokenmeter.schemas.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes one generated Avro record type. With a registry: Confluent wire format, subject by
 * TopicNameStrategy ({@code <topic>-value} or {@code <topic>-key}). Without: Avro single-object
 * encoding, which any reader holding the bundled schemas can resolve.
 *
 * <p>Kafka can create it by class name; then {@link AvroSerdes#VALUE_TYPE} (or {@link
 * AvroSerdes#KEY_TYPE}) names the record class.
 */
public final class AvroSerializer<T extends SpecificRecord> implements Serializer<T> {

  private Class<T> type;
  private AvroSerdeConfig config;
  private boolean isKey;
  private SpecificDatumWriter<T> writer;
  private BinaryMessageEncoder<T> singleObject;
  private SchemaRegistryClient registry;
  private String registeredText;

  /** For Kafka's reflective creation; {@link #configure} must follow. */
  public AvroSerializer() {}

  public AvroSerializer(Class<T> type, AvroSerdeConfig config) {
    init(type, config, false);
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    if (type == null) {
      init(AvroSerdes.recordType(configs, isKey), AvroSerdeConfig.fromProperties(configs), isKey);
    } else {
      this.isKey = isKey;
    }
  }

  private void init(Class<T> type, AvroSerdeConfig config, boolean isKey) {
    SpecificData model = SpecificData.getForClass(type);
    Schema schema = model.getSchema(type);
    this.type = type;
    this.config = config;
    this.isKey = isKey;
    this.writer = new SpecificDatumWriter<>(schema, model);
    if (config.registryUrl().isPresent()) {
      this.registry = new SchemaRegistryClient(config.registryUrl().get());
      this.registeredText = BundledSchemas.textMatching(schema);
    } else {
      this.singleObject = new BinaryMessageEncoder<>(model, schema);
    }
  }

  @Override
  public byte[] serialize(String topic, T data) {
    if (data == null) {
      return null;
    }
    if (type == null) {
      throw new IllegalStateException("AvroSerializer used before configure()");
    }
    try {
      if (registry == null) {
        ByteBuffer buffer = singleObject.encode(data);
        byte[] out = new byte[buffer.remaining()];
        buffer.get(out);
        return out;
      }
      String subject = topic + (isKey ? "-key" : "-value");
      int id = registry.idFor(subject, registeredText, config.autoRegister());
      ByteArrayOutputStream out = new ByteArrayOutputStream(256);
      out.write(WireFormat.CONFLUENT_MAGIC);
      out.write(ByteBuffer.allocate(4).putInt(id).array());
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
      writer.write(data, encoder);
      encoder.flush();
      return out.toByteArray();
    } catch (IOException | RuntimeException e) {
      if (e instanceof SerializationException se) {
        throw se;
      }
      throw new SerializationException(
          "cannot serialize " + type.getSimpleName() + " for topic " + topic + ": "
              + e.getMessage(),
          e);
    }
  }
}
