package io.tokenmeter.jsonl;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.apache.avro.generic.IndexedRecord;

/**
 * Writes an Avro record as one line of plain JSON: the Avro field names as keys, unions as their
 * value, timestamps as epoch milliseconds, bytes as base64. {@link JsonRecordReader} reads it back
 * into an equal record.
 */
public final class JsonRecordWriter {

  private JsonRecordWriter() {}

  /** One line, without the line break. */
  public static String write(IndexedRecord record) {
    try {
      return Json.MAPPER.writeValueAsString(AvroToJson.convert(record.getSchema(), record));
    } catch (JsonProcessingException e) {
      // A tree of plain nodes always serialises; this would be a bug in AvroToJson.
      throw new IllegalStateException(
          "cannot write " + record.getSchema().getName() + " as JSON", e);
    }
  }
}
