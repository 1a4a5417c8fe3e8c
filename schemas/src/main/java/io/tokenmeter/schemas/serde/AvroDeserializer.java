package io.tokenmeter.schemas.serde;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads one generated Avro record type from either wire format, chosen by the first byte: 0x00 is
 * the Confluent format (the writer schema is fetched from the registry by id), 0xC3 0x01 is Avro
 * single-object encoding (the writer schema is found among the bundled versions by fingerprint).
 * Anything else is refused with a {@link SerializationException}, never guessed.
 */
public final class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

  private Class<T> type;
  private Schema readerSchema;
  private SpecificData model;
  private BinaryMessageDecoder<T> singleObject;
  private SchemaRegistryClient registry;
  private final Map<Integer, SpecificDatumReader<T>> readersById = new ConcurrentHashMap<>();

  /** For Kafka's reflective creation; {@link #configure} must follow. */
  public AvroDeserializer() {}

  public AvroDeserializer(Class<T> type, AvroSerdeConfig config) {
    init(type, config);
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    if (type == null) {
      init(AvroSerdes.recordType(configs, isKey), AvroSerdeConfig.fromProperties(configs));
    }
  }

  private void init(Class<T> type, AvroSerdeConfig config) {
    this.type = type;
    this.model = SpecificData.getForClass(type);
    this.readerSchema = model.getSchema(type);
    this.singleObject = new BinaryMessageDecoder<>(model, readerSchema);
    for (Schema version : BundledSchemas.versions(readerSchema.getName())) {
      singleObject.addSchema(version);
    }
    this.registry = config.registryUrl().map(SchemaRegistryClient::new).orElse(null);
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    if (type == null) {
      throw new IllegalStateException("AvroDeserializer used before configure()");
    }
    WireFormat format = WireFormat.of(data);
    if (format == null) {
      throw new SerializationException(
          "unknown Avro wire format on topic " + topic + ": " + data.length + " bytes starting "
              + HexFormat.of().formatHex(data, 0, Math.min(4, data.length))
              + "; expected 00 (Confluent) or c301 (single-object)");
    }
    return format == WireFormat.CONFLUENT ? readConfluent(topic, data) : readSingleObject(topic, data);
  }

  private T readSingleObject(String topic, byte[] data) {
    try {
      return singleObject.decode(data);
    } catch (MissingSchemaException e) {
      throw new SerializationException(
          "single-object record on topic " + topic + " has schema fingerprint "
              + HexFormat.of().formatHex(data, 2, 10) + ", which matches no bundled "
              + readerSchema.getName() + " version", e);
    } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException e) {
      throw new SerializationException(
          "corrupt single-object " + readerSchema.getName() + " on topic " + topic + ": " + e, e);
    }
  }

  private T readConfluent(String topic, byte[] data) {
    int id = ByteBuffer.wrap(data, 1, 4).getInt();
    if (registry == null) {
      throw new SerializationException(
          "record on topic " + topic + " is in Confluent wire format (schema id " + id
              + ") but no registry is configured; set " + AvroSerdeConfig.REGISTRY_URL);
    }
    SpecificDatumReader<T> reader =
        readersById.computeIfAbsent(
            id, i -> new SpecificDatumReader<>(registry.schemaById(i), readerSchema, model));
    try {
      BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, 5, data.length - 5, null);
      T value = reader.read(null, decoder);
      if (!decoder.isEnd()) {
        throw new SerializationException(
            "record on topic " + topic + " has trailing bytes after schema id " + id);
      }
      return value;
    } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException e) {
      throw new SerializationException(
          "corrupt " + readerSchema.getName() + " on topic " + topic + " (schema id " + id + "): " + e, e);
    }
  }
}
