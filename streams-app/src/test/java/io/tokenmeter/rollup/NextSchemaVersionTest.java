package io.tokenmeter.rollup;

import static io.tokenmeter.rollup.Calls.call;
import static io.tokenmeter.rollup.RollupDriver.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.schemas.CallEventKeys;
import io.tokenmeter.schemas.LlmCallEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What an app without a registry does with records of a schema version newer than its own (a
 * producer upgraded before the app): it cannot read them, so each one is a {@code malformed} dead
 * letter with its original bytes and a reason that says why, and the records it can read still
 * count. With a registry the same records are read (SchemaEvolutionInFlightIT).
 */
class NextSchemaVersionTest {

  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
  private static final Duration GRACE = Duration.ofMinutes(2);
  private static final Schema V2 = v2();

  private final RollupDriver driver = new RollupDriver(
      RollupDriver.rollup(GRACE, Duration.ofHours(1), 10_000), new FakePricing(), T0);

  @AfterEach
  void close() {
    driver.close();
  }

  @Test
  void v2SingleObjectRecordIsAMalformedDeadLetterNamingItsUnknownFingerprint() throws IOException {
    LlmCallEvent v1 = call(T0.plusSeconds(10)).build();
    LlmCallEvent newer = call(T0.plusSeconds(20)).build();
    byte[] v2Bytes = toByteArray(
        new BinaryMessageEncoder<GenericRecord>(GenericData.get(), V2).encode(asV2(newer)));

    driver.send(v1);
    driver.sendRaw(key(newer), v2Bytes, new RecordHeaders(), newer.getTimestamp());
    driver.send(call(T0.plus(GRACE).plusSeconds(120)).setOrgId("clock").build());

    List<TestRecord<byte[], byte[]>> dead = driver.deadLetters();
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).value()).isEqualTo(v2Bytes);
    assertThat(dead.get(0).key()).isEqualTo(key(newer));
    assertThat(header(dead.get(0), DeadLetterHeaders.REASON)).isEqualTo("malformed");
    assertThat(header(dead.get(0), DeadLetterHeaders.ERROR))
        .contains("schema fingerprint "
            + String.format("%016x", SchemaNormalization.parsingFingerprint64(V2)))
        .contains("matches none of the");
    assertThat(driver.rollups())
        .filteredOn(r -> r.value().getOrgId().equals("org-1"))
        .extracting(r -> r.value().getRequests())
        .containsExactly(1L);
  }

  @Test
  void v2ConfluentRecordReachingAnAppWithoutARegistryIsAMalformedDeadLetterSayingSo()
      throws IOException {
    LlmCallEvent newer = call(T0.plusSeconds(20)).build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(ByteBuffer.allocate(4).putInt(7).array());
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(V2).write(asV2(newer), encoder);
    encoder.flush();
    byte[] v2Bytes = out.toByteArray();

    driver.sendRaw(key(newer), v2Bytes, new RecordHeaders(), newer.getTimestamp());

    List<TestRecord<byte[], byte[]>> dead = driver.deadLetters();
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).value()).isEqualTo(v2Bytes);
    assertThat(header(dead.get(0), DeadLetterHeaders.REASON)).isEqualTo("malformed");
    assertThat(header(dead.get(0), DeadLetterHeaders.ERROR))
        .contains("Confluent wire format (schema id 7) but no registry is configured")
        .contains("kafka.schema.registry.url");
  }

  private static byte[] key(LlmCallEvent e) {
    return CallEventKeys.of(e).getBytes(StandardCharsets.UTF_8);
  }

  /** The event as a v2 producer holds it: v1's fields plus the new optional one, set. */
  private static GenericRecord asV2(LlmCallEvent e) throws IOException {
    ByteArrayOutputStream v1Body = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(v1Body, null);
    new SpecificDatumWriter<>(LlmCallEvent.class).write(e, encoder);
    encoder.flush();
    GenericRecord record = new GenericDatumReader<GenericRecord>(LlmCallEvent.getClassSchema(), V2)
        .read(null, DecoderFactory.get().binaryDecoder(v1Body.toByteArray(), null));
    record.put("conversation_id", "conv-1");
    return record;
  }

  private static byte[] toByteArray(ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.get(out);
    return out;
  }

  private static Schema v2() {
    try (InputStream in = NextSchemaVersionTest.class.getResourceAsStream(
        "/evolution/LlmCallEvent-v2-optional-field.avsc")) {
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
