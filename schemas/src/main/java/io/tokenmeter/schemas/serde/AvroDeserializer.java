package io.tokenmeter.schemas.serde;

import io.tokenmeter.schemas.SchemaEvolution;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads one generated Avro record type from either wire format, chosen by the first byte: 0x00 is
 * the Confluent format (the writer schema is fetched from the registry by id), 0xC3 0x01 is Avro
 * single-object encoding (the writer schema is found among the bundled versions by fingerprint).
 * Anything else, and any record that does not decode to exactly its length, is refused with a
 * {@link SerializationException}, never guessed.
 */
public final class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

  private Class<T> type;
  private Schema readerSchema;
  private SpecificData model;
  private Map<Long, SpecificDatumReader<T>> readersByFingerprint;
  private SchemaRegistryClient registry;
  private final Map<Integer, SpecificDatumReader<T>> readersById = new ConcurrentHashMap<>();
  /** The repeated short strings of what this deserializer reads (models, orgs, services). */
  private final BoundedDecoder.StringCache strings = new BoundedDecoder.StringCache();

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
    Map<Long, SpecificDatumReader<T>> readers = new HashMap<>();
    readers.put(SchemaNormalization.parsingFingerprint64(readerSchema), reader(readerSchema));
    for (Schema version : BundledSchemas.versions(readerSchema.getName())) {
      readers.put(SchemaNormalization.parsingFingerprint64(version), reader(version));
    }
    this.readersByFingerprint = Map.copyOf(readers);
    this.registry = config.registryUrl().map(SchemaRegistryClient::new).orElse(null);
  }

  private SpecificDatumReader<T> reader(Schema writer) {
    return new SpecificDatumReader<>(writer, readerSchema, model);
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
    if (data.length < format.headerLength) {
      throw new SerializationException(
          "truncated " + describe(format) + " record on topic " + topic + ": " + data.length
              + " bytes, shorter than the " + format.headerLength + "-byte header");
    }
    return format == WireFormat.CONFLUENT
        ? readConfluent(topic, data)
        : readSingleObject(topic, data);
  }

  private T readSingleObject(String topic, byte[] data) {
    long fingerprint =
        ByteBuffer.wrap(data, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    SpecificDatumReader<T> reader = readersByFingerprint.get(fingerprint);
    if (reader == null) {
      throw new SerializationException(
          "single-object record on topic " + topic + " has schema fingerprint "
              + String.format("%016x", fingerprint) + ", which matches none of the "
              + readersByFingerprint.size() + " bundled " + readerSchema.getName()
              + " versions; was it written by a newer tokenmeter-schemas?");
    }
    return readBody(reader, data, WireFormat.SINGLE_OBJECT, topic, "");
  }

  private T readConfluent(String topic, byte[] data) {
    int id = ByteBuffer.wrap(data, 1, 4).getInt();
    if (registry == null) {
      throw new SerializationException(
          "record on topic " + topic + " is in Confluent wire format (schema id " + id
              + ") but no registry is configured: set the registry URL (the app's kafka.schema.registry.url, "
              + "the serde's " + AvroSerdeConfig.REGISTRY_URL + ")");
    }
    SpecificDatumReader<T> reader = readersById.get(id);
    if (reader == null) {
      try {
        reader = resolvedReader(id, topic);
      } catch (SerializationException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new SerializationException(
            "cannot resolve schema id " + id + " for topic " + topic + ": " + e, e);
      }
      readersById.put(id, reader);
    }
    return readBody(reader, data, WireFormat.CONFLUENT, topic, " (schema id " + id + ")");
  }

  /**
   * A reader for the registry's schema {@code id}, once Avro's compatibility check has shown that
   * this build can read it: a refused pair then names its field, instead of failing part-way
   * through a record as "corrupt".
   */
  private SpecificDatumReader<T> resolvedReader(int id, String topic) {
    Schema writer = registry.schemaById(id);
    List<SchemaEvolution.Violation> violations = SchemaEvolution.violations(
        readerSchema.getName(), "as built", readerSchema, "registry schema id " + id, writer);
    if (!violations.isEmpty()) {
      throw new SerializationException("record on topic " + topic + " is unreadable: "
          + violations.stream()
              .map(SchemaEvolution.Violation::message)
              .collect(Collectors.joining("; ")));
    }
    return reader(writer);
  }

  private T readBody(
      SpecificDatumReader<T> reader, byte[] data, WireFormat format, String topic, String which) {
    try {
      BoundedDecoder decoder = new BoundedDecoder(data, format.headerLength, strings);
      T value = reader.read(null, decoder);
      if (!decoder.isEnd()) {
        throw new SerializationException(
            describe(format) + " " + readerSchema.getName() + " on topic " + topic + which
                + " has trailing bytes after the record; refusing a record its schema does not"
                + " account for");
      }
      return value;
    } catch (SerializationException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // Corrupt input surfaces from Avro as EOFException, AvroRuntimeException or plain runtime
      // exceptions (a union or enum index out of range); the caller sees one type for all.
      // BoundedDecoder keeps it from surfacing as an OutOfMemoryError.
      throw new SerializationException(
          "corrupt " + describe(format) + " " + readerSchema.getName() + " on topic " + topic
              + which + ": " + e,
          e);
    }
  }

  private static String describe(WireFormat format) {
    return format == WireFormat.CONFLUENT ? "Confluent-format" : "single-object";
  }
}
