package io.tokenmeter.jsonl;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;

/**
 * Walks an Avro schema and a plain JSON value side by side and builds the specific Java value:
 * records, nullable unions, primitives, maps, arrays, enums and timestamp-millis. Plain JSON means
 * a union is given as its value ({@code 5}), never as Avro's JSON encoding ({@code {"long": 5}}).
 */
final class JsonToAvro {

  /** Field names whose values are secrets: rejected as unknown, and reported with a reason. */
  private static final Set<String> PLAINTEXT_KEY_FIELDS = Set.of("api_key", "apikey", "apiKey");

  private static final BigInteger MIN_LONG = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger MAX_LONG = BigInteger.valueOf(Long.MAX_VALUE);
  private static final int MAX_ECHO = 40;
  /**
   * Text longer than this is described by its length, not echoed: a key is longer, and a key cut
   * to the first 40 characters is still most of a key.
   */
  private static final int MAX_ECHO_TEXT = 24;
  /** What a field name looks like; anything else may be a secret in the wrong place. */
  private static final Pattern FIELD_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,23}");
  /**
   * A whole number with more integer digits than this is outside every range we accept; it is
   * refused before it is expanded, since 1e999999999 is a whole number of a billion digits.
   */
  private static final int MAX_WHOLE_DIGITS = 20;

  private final SpecificData model;

  JsonToAvro(SpecificData model) {
    this.model = model;
  }

  Object convert(Schema schema, JsonNode json, String path) throws InvalidRecordException {
    if (json == null || json.isNull()) {
      if (schema.getType() == Schema.Type.NULL || isNullable(schema)) {
        return null;
      }
      throw new InvalidRecordException(path, "must not be null");
    }
    switch (schema.getType()) {
      case RECORD:
        return record(schema, json, path);
      case UNION:
        return union(schema, json, path);
      case STRING:
        return text(json, path);
      case LONG:
        long value = whole(json, path, MIN_LONG, MAX_LONG);
        return schema.getLogicalType() instanceof LogicalTypes.TimestampMillis
            ? Instant.ofEpochMilli(value)
            : (Object) value;
      case INT:
        return (int) whole(
            json,
            path,
            BigInteger.valueOf(Integer.MIN_VALUE),
            BigInteger.valueOf(Integer.MAX_VALUE));
      case DOUBLE:
        return decimal(json, path);
      case FLOAT:
        return (float) decimal(json, path);
      case BOOLEAN:
        if (!json.isBoolean()) {
          throw wrongType(path, "true or false", json);
        }
        return json.booleanValue();
      case ENUM:
        String symbol = text(json, path);
        if (!schema.getEnumSymbols().contains(symbol)) {
          throw new InvalidRecordException(
              path, "expected one of " + schema.getEnumSymbols() + ", got " + echo(json));
        }
        return model.createEnum(symbol, schema);
      case MAP:
        return map(schema, json, path);
      case ARRAY:
        return array(schema, json, path);
      case BYTES:
        return bytes(json, path);
      default:
        throw new InvalidRecordException(
            path, "the schema type " + schema.getType() + " is not supported");
    }
  }

  private IndexedRecord record(Schema schema, JsonNode json, String path)
      throws InvalidRecordException {
    if (!json.isObject()) {
      throw wrongType(path, "an object", json);
    }
    rejectUnknownFields(schema, json, path);
    IndexedRecord record = (IndexedRecord) model.newRecord(null, schema);
    for (Schema.Field field : schema.getFields()) {
      String fieldPath = child(path, field.name());
      JsonNode value = json.get(field.name());
      if (value == null
          || (value.isNull() && !isNullable(field.schema()) && field.hasDefaultValue())) {
        if (!field.hasDefaultValue()) {
          throw new InvalidRecordException(fieldPath, "missing (required)");
        }
        value = Json.MAPPER.valueToTree(defaultOf(field));
      }
      record.put(field.pos(), convert(field.schema(), value, fieldPath));
    }
    return record;
  }

  /**
   * An unknown field is named when its name looks like a field name; any other name is described
   * by its length only, since a key pasted in the wrong place may sit where a name belongs. Its
   * value is never repeated.
   */
  private static void rejectUnknownFields(Schema schema, JsonNode json, String path)
      throws InvalidRecordException {
    for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (schema.getField(name) == null) {
        if (!FIELD_NAME.matcher(name).matches()) {
          throw new InvalidRecordException(
              path,
              "a field whose name is not a field name (" + name.length()
                  + " characters; not repeated, it may be a" + " secret), not in "
                  + schema.getName());
        }
        String reason = PLAINTEXT_KEY_FIELDS.contains(name)
            ? "unknown field; plaintext API keys are never accepted, send api_key_fingerprint and api_key_hint"
            : "unknown field (not in " + schema.getName() + ")";
        throw new InvalidRecordException(child(path, name), reason);
      }
    }
  }

  private static Object defaultOf(Schema.Field field) {
    Object value = field.defaultVal();
    return value == JsonProperties.NULL_VALUE ? null : value;
  }

  private Object union(Schema schema, JsonNode json, String path) throws InvalidRecordException {
    List<Schema> branches = new ArrayList<>();
    for (Schema branch : schema.getTypes()) {
      if (branch.getType() != Schema.Type.NULL) {
        branches.add(branch);
      }
    }
    if (branches.size() != 1) {
      // Which branch a plain JSON value means is ambiguous; none of our schemas need it.
      throw new InvalidRecordException(
          path, "unions of more than null and one type are not supported");
    }
    return convert(branches.get(0), json, path);
  }

  private Map<String, Object> map(Schema schema, JsonNode json, String path)
      throws InvalidRecordException {
    if (!json.isObject()) {
      throw wrongType(path, "an object", json);
    }
    Map<String, Object> map = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : json.properties()) {
      map.put(e.getKey(), convert(schema.getValueType(), e.getValue(), child(path, e.getKey())));
    }
    return map;
  }

  private List<Object> array(Schema schema, JsonNode json, String path)
      throws InvalidRecordException {
    if (!json.isArray()) {
      throw wrongType(path, "an array", json);
    }
    List<Object> list = new ArrayList<>(json.size());
    for (int i = 0; i < json.size(); i++) {
      list.add(convert(schema.getElementType(), json.get(i), path + "[" + i + "]"));
    }
    return list;
  }

  private static ByteBuffer bytes(JsonNode json, String path) throws InvalidRecordException {
    if (!json.isTextual()) {
      throw wrongType(path, "base64 text", json);
    }
    try {
      return ByteBuffer.wrap(Base64.getDecoder().decode(json.textValue()));
    } catch (IllegalArgumentException e) {
      throw new InvalidRecordException(path, "expected base64 text, got " + echo(json));
    }
  }

  private static String text(JsonNode json, String path) throws InvalidRecordException {
    if (!json.isTextual()) {
      throw wrongType(path, "a string", json);
    }
    return json.textValue();
  }

  private static long whole(JsonNode json, String path, BigInteger min, BigInteger max)
      throws InvalidRecordException {
    BigInteger value;
    if (json.isIntegralNumber()) {
      value = json.bigIntegerValue();
    } else if (json.isNumber() && isWhole(json.decimalValue())) {
      BigDecimal d = json.decimalValue();
      if (d.signum() != 0 && (long) d.precision() - d.scale() > MAX_WHOLE_DIGITS) {
        throw new InvalidRecordException(
            path, "expected a whole number from " + min + " to " + max + ", got " + echo(json));
      }
      value = d.signum() == 0 ? BigInteger.ZERO : d.toBigIntegerExact();
    } else {
      throw wrongType(path, "a whole number", json);
    }
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new InvalidRecordException(
          path, "expected a whole number from " + min + " to " + max + ", got " + echo(json));
    }
    return value.longValueExact();
  }

  private static boolean isWhole(BigDecimal d) {
    return d.signum() == 0 || d.stripTrailingZeros().scale() <= 0;
  }

  private static double decimal(JsonNode json, String path) throws InvalidRecordException {
    if (json.isTextual()) {
      // What the writer emits for the values JSON numbers cannot hold.
      switch (json.textValue()) {
        case "NaN":
          return Double.NaN;
        case "Infinity":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
          return Double.NEGATIVE_INFINITY;
        default:
          throw wrongType(path, "a number", json);
      }
    }
    if (!json.isNumber()) {
      throw wrongType(path, "a number", json);
    }
    double value = json.doubleValue();
    if (Double.isInfinite(value)) {
      throw new InvalidRecordException(
          path, "expected a number within double range, got " + echo(json));
    }
    return value;
  }

  private static boolean isNullable(Schema schema) {
    return schema.getType() == Schema.Type.UNION
        && schema.getTypes().stream().anyMatch(s -> s.getType() == Schema.Type.NULL);
  }

  private static String child(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  private static InvalidRecordException wrongType(String path, String expected, JsonNode json) {
    return new InvalidRecordException(path, "expected " + expected + ", got " + echo(json));
  }

  /** The offending value as JSON, shortened: enough to find it in the line, not to flood stderr. */
  private static String echo(JsonNode json) {
    if (json.isTextual() && json.textValue().length() > MAX_ECHO_TEXT) {
      return "a string of " + json.textValue().length()
          + " characters (not repeated, it may be a secret)";
    }
    String text =
        json.isContainerNode() ? (json.isObject() ? "an object" : "an array") : json.toString();
    return text.length() <= MAX_ECHO ? text : text.substring(0, MAX_ECHO) + "...";
  }
}
