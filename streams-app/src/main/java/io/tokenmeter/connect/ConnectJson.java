package io.tokenmeter.connect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A record type written as Kafka Connect's JSON with schema, the form {@code
 * org.apache.kafka.connect.json.JsonConverter} reads with {@code schemas.enable=true}:
 * {@code {"schema": {"type": "struct", ...}, "payload": {...}}}.
 *
 * <p>The schema and the payload come from one list of {@link Field}s, so they cannot disagree. The
 * schema node is built once and shared by every record. Connect's JSON module is not a dependency
 * of the app: the envelope is small and fixed, and {@code ConnectJsonTest} proves that the real
 * converter reads it.
 */
public final class ConnectJson<T> {

  /** Connect's logical name for an int64 of epoch milliseconds; JDBC sinks make it a timestamp column. */
  public static final String TIMESTAMP = "org.apache.kafka.connect.data.Timestamp";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** The Connect schema types we use, with their names in JsonConverter's schema JSON ({@code double} for FLOAT64). */
  public enum Type {
    STRING("string", null),
    INT64("int64", null),
    FLOAT64("double", null),
    /** int64 epoch millis, logical type {@link #TIMESTAMP}. */
    TIMESTAMP_MILLIS("int64", TIMESTAMP);

    private final String connectType;
    private final String logicalName;

    Type(String connectType, String logicalName) {
      this.connectType = connectType;
      this.logicalName = logicalName;
    }
  }

  /**
   * One field: its column name, Connect type, whether it may be null, and how to read it from the
   * record. The value may be a String, Long, Integer, Double, Instant (for TIMESTAMP_MILLIS), an
   * enum (written by name) or a Map (written as a JSON object in a string, keys sorted).
   */
  public record Field<T>(String name, Type type, boolean optional, Function<T, Object> value) {
    public Field {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(value, "value");
    }

    public static <T> Field<T> required(String name, Type type, Function<T, Object> value) {
      return new Field<>(name, type, false, value);
    }

    public static <T> Field<T> optional(String name, Type type, Function<T, Object> value) {
      return new Field<>(name, type, true, value);
    }
  }

  private final String schemaName;
  private final List<Field<T>> fields;
  private final ObjectNode schema;

  /** {@code schemaName} is the struct's Connect schema name, for example {@code io.tokenmeter.UsageRollup}. */
  public ConnectJson(String schemaName, int version, List<Field<T>> fields) {
    this.schemaName = Objects.requireNonNull(schemaName, "schemaName");
    this.fields = List.copyOf(fields);
    ObjectNode s = NODES.objectNode();
    s.put("type", "struct");
    s.put("name", schemaName);
    s.put("version", version);
    s.put("optional", false);
    ArrayNode list = s.putArray("fields");
    for (Field<T> f : this.fields) {
      ObjectNode field = list.addObject();
      field.put("field", f.name());
      field.put("type", f.type().connectType);
      field.put("optional", f.optional());
      if (f.type().logicalName != null) {
        field.put("name", f.type().logicalName);
        field.put("version", 1);
      }
    }
    this.schema = s;
  }

  /** The struct schema, as it appears in every record; a copy. */
  public ObjectNode schema() {
    return schema.deepCopy();
  }

  public List<Field<T>> fields() {
    return fields;
  }

  /** The record as UTF-8 JSON: schema and payload. */
  public byte[] serialize(T record) {
    ObjectNode envelope = NODES.objectNode();
    envelope.set("schema", schema);
    ObjectNode payload = envelope.putObject("payload");
    for (Field<T> f : fields) {
      Object value = f.value().apply(record);
      if (value == null) {
        if (!f.optional()) {
          throw new IllegalArgumentException(
              schemaName + "." + f.name() + " is null but not optional");
        }
        payload.putNull(f.name());
        continue;
      }
      switch (f.type()) {
        case STRING -> payload.put(f.name(), text(value));
        case INT64 -> payload.put(f.name(), ((Number) value).longValue());
        case FLOAT64 -> payload.put(f.name(), ((Number) value).doubleValue());
        case TIMESTAMP_MILLIS -> payload.put(f.name(), ((Instant) value).toEpochMilli());
      }
    }
    try {
      return MAPPER.writeValueAsBytes(envelope);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + schemaName + " as JSON", e);
    }
  }

  private static String text(Object value) {
    if (value instanceof Map<?, ?> map) {
      return jsonObject(map);
    }
    if (value instanceof Enum<?> e) {
      return e.name();
    }
    return value.toString();
  }

  /** A map as a JSON object in one string, keys sorted so that equal maps give equal text. */
  static String jsonObject(Map<?, ?> map) {
    ObjectNode node = NODES.objectNode();
    new TreeMap<>(map).forEach((k, v) -> {
      String key = k.toString();
      if (v == null) {
        node.putNull(key);
      } else if (v instanceof Long || v instanceof Integer) {
        node.put(key, ((Number) v).longValue());
      } else if (v instanceof Double d) {
        node.put(key, d);
      } else {
        node.put(key, v.toString());
      }
    });
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
