package io.tokenmeter.cli;

import io.tokenmeter.jsonl.JsonRecordWriter;
import java.io.PrintWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Decodes one record and prints it as a JSON line; a record that does not decode is reported on
 * stderr, with where it is, and counted, never fatal: one bad record must not hide the rest.
 */
final class RecordPrinter {

  private final Deserializer<? extends SpecificRecord> values;
  private final PrintWriter out;
  private final PrintWriter err;
  private long printed;
  private long skipped;

  RecordPrinter(Deserializer<? extends SpecificRecord> values, PrintWriter out, PrintWriter err) {
    this.values = values;
    this.out = out;
    this.err = err;
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
      SpecificRecord value = values.deserialize(record.topic(), record.headers(), record.value());
      line = JsonRecordWriter.write(value);
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
