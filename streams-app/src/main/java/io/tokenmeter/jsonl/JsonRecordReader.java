package io.tokenmeter.jsonl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Reads one JSON line into a generated Avro record. The JSON keys are the Avro field names; a
 * nullable field may be omitted or null; a timestamp is epoch milliseconds; bytes are base64.
 *
 * <pre>{@code
 * JsonRecordReader<LlmCallEvent> reader = JsonRecordReader.forType(LlmCallEvent.class);
 * LlmCallEvent event = reader.read(line); // InvalidRecordException names the field path
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class JsonRecordReader<T extends SpecificRecord> {

  private final Class<T> type;
  private final Schema schema;
  private final JsonToAvro converter;

  private JsonRecordReader(Class<T> type) {
    this.type = type;
    this.schema = SpecificData.get().getSchema(type);
    this.converter = new JsonToAvro(SpecificData.getForClass(type));
  }

  /** A reader for one generated record class, such as {@code LlmCallEvent.class}. */
  public static <T extends SpecificRecord> JsonRecordReader<T> forType(Class<T> type) {
    return new JsonRecordReader<>(type);
  }

  /** The record the line describes; never null. */
  public T read(String line) throws InvalidRecordException {
    JsonNode json;
    try {
      json = Json.MAPPER.readTree(line);
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
      String why = e.getOriginalMessage().lines().findFirst().orElse("");
      if (why.startsWith("Unrecognized token")) {
        // Jackson quotes the token, which may be an unquoted secret such as an API key.
        why = "a bare word where a string, number, object, array, true, false or null belongs";
      }
      throw new InvalidRecordException("", "not valid JSON" + where + ": " + why);
    }
    if (json == null || json.isMissingNode()) {
      throw new InvalidRecordException("", "empty line, expected a JSON object");
    }
    if (!json.isObject()) {
      throw new InvalidRecordException(
          "", "expected a JSON object with the fields of " + schema.getName());
    }
    return type.cast(converter.convert(schema, json, ""));
  }
}
