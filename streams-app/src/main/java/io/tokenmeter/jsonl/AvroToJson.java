package io.tokenmeter.jsonl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.IndexedRecord;

/**
 * The inverse of {@link JsonToAvro}: a record as plain JSON, every field present (null included)
 * in schema order, so that the output reads back into an equal record.
 */
final class AvroToJson {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private AvroToJson() {}

  static JsonNode convert(Schema schema, Object value) {
    if (value == null) {
      return NODES.nullNode();
    }
    switch (schema.getType()) {
      case RECORD:
        IndexedRecord record = (IndexedRecord) value;
        ObjectNode object = NODES.objectNode();
        for (Schema.Field field : schema.getFields()) {
          object.set(field.name(), convert(field.schema(), record.get(field.pos())));
        }
        return object;
      case UNION:
        return convert(branchOf(schema, value), value);
      case STRING:
      case ENUM:
        return NODES.textNode(value.toString());
      case LONG:
        long number = value instanceof Instant instant ? instant.toEpochMilli() : (Long) value;
        return NODES.numberNode(number);
      case INT:
        return NODES.numberNode((Integer) value);
      case DOUBLE:
        return NODES.numberNode((Double) value);
      case FLOAT:
        return NODES.numberNode((Float) value);
      case BOOLEAN:
        return NODES.booleanNode((Boolean) value);
      case BYTES:
        ByteBuffer buffer = ((ByteBuffer) value).duplicate();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return NODES.textNode(Base64.getEncoder().encodeToString(bytes));
      case MAP:
        // Decoded maps are hash maps; sorted keys make the same record print the same line, so
        // that two dumps of a topic can be compared with diff.
        Map<String, JsonNode> sorted = new TreeMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
          sorted.put(e.getKey().toString(), convert(schema.getValueType(), e.getValue()));
        }
        ObjectNode map = NODES.objectNode();
        map.setAll(sorted);
        return map;
      case ARRAY:
        ArrayNode array = NODES.arrayNode();
        for (Object element : (Collection<?>) value) {
          array.add(convert(schema.getElementType(), element));
        }
        return array;
      default:
        throw new IllegalArgumentException(
            "the schema type " + schema.getType() + " is not supported");
    }
  }

  /**
   * The non-null branch of a nullable union. Asked directly, GenericData cannot place logical-type
   * values such as an Instant, which is what a timestamp-millis branch holds.
   */
  private static Schema branchOf(Schema union, Object value) {
    Schema only = null;
    for (Schema branch : union.getTypes()) {
      if (branch.getType() != Schema.Type.NULL) {
        if (only != null) {
          return union.getTypes().get(GenericData.get().resolveUnion(union, value));
        }
        only = branch;
      }
    }
    return only;
  }
}
