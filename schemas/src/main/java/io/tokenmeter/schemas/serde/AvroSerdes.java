package io.tokenmeter.schemas.serde;

import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** Entry point: a Kafka {@link Serde} for one generated record type. */
public final class AvroSerdes {

  /** Kafka client property naming the value record class, for reflective creation. */
  public static final String VALUE_TYPE = "tokenmeter.avro.value.type";

  /** Kafka client property naming the key record class, for reflective creation. */
  public static final String KEY_TYPE = "tokenmeter.avro.key.type";

  private AvroSerdes() {}

  public static <T extends SpecificRecord> Serde<T> of(Class<T> type, AvroSerdeConfig config) {
    return Serdes.serdeFrom(
        new AvroSerializer<>(type, config), new AvroDeserializer<>(type, config));
  }

  @SuppressWarnings("unchecked")
  static <T extends SpecificRecord> Class<T> recordType(Map<String, ?> configs, boolean isKey) {
    String key = isKey ? KEY_TYPE : VALUE_TYPE;
    Object value = configs.get(key);
    if (value instanceof Class<?> c && SpecificRecord.class.isAssignableFrom(c)) {
      return (Class<T>) c;
    }
    if (value == null) {
      throw new ConfigException(
          key,
          null,
          "must name the generated Avro record class, e.g. io.tokenmeter.schemas.LlmCallEvent");
    }
    try {
      Class<?> c = Class.forName(value.toString().trim());
      if (!SpecificRecord.class.isAssignableFrom(c)) {
        throw new ConfigException(key, value, "is not a generated Avro record class");
      }
      return (Class<T>) c;
    } catch (ClassNotFoundException e) {
      throw new ConfigException(key, value, "no such class");
    }
  }
}
