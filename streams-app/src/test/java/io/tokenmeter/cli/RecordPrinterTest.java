package io.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenmeter.jsonl.JsonLines;
import io.tokenmeter.jsonl.JsonRecordReader;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerializer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class RecordPrinterTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private final RecordPrinter printer = printer(new PrintWriter(out));

  @Test
  void aDecodableRecordIsPrintedAsOneJsonLine() throws Exception {
    assertThat(printer.print(record(7, alertBytes()))).isTrue();

    assertThat(out.toString()).endsWith(System.lineSeparator());
    assertThat(JSON.readTree(out.toString())).isEqualTo(JSON.readTree(JsonLines.ALERT));
    assertThat(printer.summary()).isEqualTo("printed 1, skipped 0");
  }

  @Test
  void anUndecodableRecordIsReportedWithItsPlaceAndTheNextOneStillPrinted() throws Exception {
    assertThat(printer.print(record(3, new byte[] {1, 2, 3}))).isTrue();
    assertThat(printer.print(record(4, alertBytes()))).isTrue();

    assertThat(err.toString())
        .startsWith("llm.alerts/2/3: cannot decode: unknown Avro wire format");
    assertThat(out.toString().lines()).hasSize(1);
    assertThat(printer.summary()).isEqualTo("printed 1, skipped 1");
  }

  @Test
  void aTombstoneIsReportedNotPrinted() {
    assertThat(printer.print(record(5, null))).isTrue();

    assertThat(err.toString()).contains("llm.alerts/2/5: no value (tombstone)");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void printingSaysStopOnceStandardOutputIsGone() throws Exception {
    OutputStream closedPipe = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        throw new IOException("Broken pipe");
      }
    };

    assertThat(printer(new PrintWriter(closedPipe)).print(record(1, alertBytes())))
        .isFalse();
  }

  @Test
  void deadLetterIsPrintedWithItsReasonHeadersAndOriginalBytesUndecoded() {
    StringWriter dlqOut = new StringWriter();
    ConsumerRecord<byte[], byte[]> letter = new ConsumerRecord<>(
        "llm.calls.dlq", 0, 7, "org-1/proj-1".getBytes(StandardCharsets.UTF_8), new byte[] {
          0x42, 0x00, (byte) 0xff
        });
    letter.headers().add("tokenmeter.dlq.reason", "malformed".getBytes(StandardCharsets.UTF_8));

    assertThat(RecordPrinter.deadLetters(new PrintWriter(dlqOut), new PrintWriter(err))
            .print(letter))
        .isTrue();

    assertThat(dlqOut.toString().trim())
        .isEqualTo("{\"topic\":\"llm.calls.dlq\",\"partition\":0,\"offset\":7,\"timestamp\":-1,"
            + "\"key\":\"org-1/proj-1\",\"value_base64\":\"QgD/\","
            + "\"headers\":{\"tokenmeter.dlq.reason\":\"malformed\"}}");
  }

  private RecordPrinter printer(PrintWriter stdout) {
    return new RecordPrinter(
        new AvroDeserializer<>(Alert.class, AvroSerdeConfig.withoutRegistry()),
        stdout,
        new PrintWriter(err));
  }

  private static ConsumerRecord<byte[], byte[]> record(long offset, byte[] value) {
    return new ConsumerRecord<>("llm.alerts", 2, offset, null, value);
  }

  private static byte[] alertBytes() throws Exception {
    Alert alert = JsonRecordReader.forType(Alert.class).read(JsonLines.ALERT);
    try (AvroSerializer<Alert> serializer =
        new AvroSerializer<>(Alert.class, AvroSerdeConfig.withoutRegistry())) {
      return serializer.serialize("llm.alerts", alert);
    }
  }
}
