package io.tokenmeter.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenmeter.jsonl.JsonRecordWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Decodes one record and prints it as a JSON line; a record that does not decode is reported on
 * stderr, with where it is, and counted, never fatal: one bad record must not hide the rest.
 */
final class RecordPrinter {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Function<ConsumerRecord<byte[], byte[]>, String> format;
  private final PrintWriter out;
  private final PrintWriter err;
  private long printed;
  private long skipped;

  /** Prints values of one Avro record type, decoded, with the Avro field names as keys. */
  RecordPrinter(Deserializer<? extends SpecificRecord> values, PrintWriter out, PrintWriter err) {
    this(
        r -> JsonRecordWriter.write(values.deserialize(r.topic(), r.headers(), r.value())),
        out,
        err);
  }

  private RecordPrinter(
      Function<ConsumerRecord<byte[], byte[]>, String> format, PrintWriter out, PrintWriter err) {
    this.format = format;
    this.out = out;
    this.err = err;
  }

  /**
   * Prints dead letters: the original bytes are whatever failed to decode, so they are shown as
   * base64 beside where they came from and the reason headers, never decoded.
   */
  static RecordPrinter deadLetters(PrintWriter out, PrintWriter err) {
    return new RecordPrinter(RecordPrinter::deadLetterJson, out, err);
  }

  static String deadLetterJson(ConsumerRecord<byte[], byte[]> r) {
    ObjectNode line = JSON.createObjectNode();
    line.put("topic", r.topic())
        .put("partition", r.partition())
        .put("offset", r.offset())
        .put("timestamp", r.timestamp());
    line.put("key", r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8));
    line.put("value_base64", Base64.getEncoder().encodeToString(r.value()));
    ObjectNode headers = line.putObject("headers");
    for (Header h : r.headers()) {
      headers.put(
          h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
    }
    return line.toString();
  }

  /**
   * Prints the record, or reports it on stderr. False once standard output is gone (say, piped
   * into {@code head}), since reading on would only wait out the timeout for nobody.
   */
  boolean print(ConsumerRecord<byte[], byte[]> record) {
    String where = record.topic() + "/" + record.partition() + "/" + record.offset();
    if (record.value() == null) {
      skip(where, "no value (tombstone)");
      return true;
    }
    String line;
    try {
      line = format.apply(record);
    } catch (RuntimeException e) {
      skip(where, "cannot decode: " + e.getMessage());
      return true;
    }
    out.println(line);
    // Someone may be watching, or piping into produce; a line should not wait in a buffer.
    out.flush();
    printed++;
    return !out.checkError();
  }

  private void skip(String where, String reason) {
    err.println(where + ": " + reason);
    err.flush();
    skipped++;
  }

  long skipped() {
    return skipped;
  }

  /** The summary line, as documented in docs/cli.md. */
  String summary() {
    return "printed " + printed + ", skipped " + skipped;
  }
}
