package io.tokenmeter.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenmeter.schemas.LlmCallEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Producers and consumers are upgraded one at a time, so a topic holds records of two versions at
 * once. Here v1 is this build's LlmCallEvent and v2 a test-only next version that adds one
 * optional field with a default, the kind of change the evolution rule allows.
 */
class VersionSkewTest {

  private static final String TOPIC = "llm.calls";
  private static final String NEW_FIELD = "conversation_id";

  private static Schema v1;
  private static Schema v2;
  private static FakeSchemaRegistry registry;

  @BeforeAll
  static void setUp() throws IOException {
    v1 = BundledSchemas.versions("LlmCallEvent").get(0);
    try (InputStream in = VersionSkewTest.class.getResourceAsStream(
        "/evolution/LlmCallEvent-v2-optional-field.avsc")) {
      v2 = new Schema.Parser().parse(in);
    }
    registry = FakeSchemaRegistry.start(1);
  }

  @AfterAll
  static void stopRegistry() {
    registry.close();
  }

  @Test
  void v1SingleObjectRecordIsReadByAV2Reader() throws IOException {
    byte[] bytes = singleObject().serialize(TOPIC, CallEvents.golden());

    // A v2 consumer knows v1 as one of its bundled versions, as ours knows all of its.
    BinaryMessageDecoder<GenericRecord> v2Reader =
        new BinaryMessageDecoder<>(GenericData.get(), v2);
    v2Reader.addSchema(v1);
    GenericRecord read = v2Reader.decode(bytes);

    assertThat(read.getSchema()).isEqualTo(v2);
    assertThat(read.get(NEW_FIELD)).isNull();
    assertThat(read.get("event_id").toString()).isEqualTo(CallEvents.golden().getEventId());
    assertThat(read.get("input_tokens")).isEqualTo(1200L);
  }

  @Test
  void v1ConfluentRecordIsReadByAV2Reader() throws IOException {
    byte[] bytes = confluent().serialize(TOPIC, CallEvents.golden());

    int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
    Schema writer = new SchemaRegistryClient(URI.create(registry.url())).schemaById(id);
    GenericRecord read = new GenericDatumReader<GenericRecord>(writer, v2)
        .read(null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));

    assertThat(writer).isEqualTo(v1);
    assertThat(read.get(NEW_FIELD)).isNull();
    assertThat(read.get("event_id").toString()).isEqualTo(CallEvents.golden().getEventId());
  }

  @Test
  void v2ConfluentRecordIsReadByThisBuildIgnoringTheNewField() throws IOException {
    GenericRecord record = asV2(CallEvents.golden());
    record.put(NEW_FIELD, "conv-123");
    int id = registry.register(TOPIC + "-value", v2.toString());
    byte[] bytes = confluentBytes(id, record);

    LlmCallEvent read = new AvroDeserializer<>(
            LlmCallEvent.class, AvroSerdeConfig.withRegistry(registry.url()))
        .deserialize(TOPIC, bytes);

    assertThat(read).isEqualTo(CallEvents.golden());
  }

  @Test
  void v2SingleObjectRecordIsRefusedByThisBuildNamingItsFingerprint() throws IOException {
    // Single-object readers know only the versions they were built with, so a newer writer's
    // record is refused, clearly, rather than read with a guessed schema. With a registry the
    // same record is readable (the test above).
    GenericRecord record = asV2(CallEvents.golden());
    byte[] bytes =
        toArray(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v2).encode(record));
    String fingerprint = String.format("%016x", SchemaNormalization.parsingFingerprint64(v2));

    assertThatThrownBy(
            () -> new AvroDeserializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry())
                .deserialize(TOPIC, bytes))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("schema fingerprint " + fingerprint)
        .hasMessageContaining("matches none of the");
  }

  /** The golden event as a v2 generic record: v1 bytes read with the v2 schema. */
  private static GenericRecord asV2(LlmCallEvent event) throws IOException {
    BinaryMessageDecoder<GenericRecord> decoder = new BinaryMessageDecoder<>(GenericData.get(), v2);
    decoder.addSchema(v1);
    return decoder.decode(singleObject().serialize(TOPIC, event));
  }

  /** What a v2 producer with a registry writes: magic 0, the id, the v2 body. */
  private static byte[] confluentBytes(int id, GenericRecord record) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(ByteBuffer.allocate(4).putInt(id).array());
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(v2).write(record, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  private static byte[] toArray(ByteBuffer buffer) {
    return Arrays.copyOfRange(
        buffer.array(),
        buffer.arrayOffset() + buffer.position(),
        buffer.arrayOffset() + buffer.limit());
  }

  private static AvroSerializer<LlmCallEvent> singleObject() {
    return new AvroSerializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry());
  }

  private static AvroSerializer<LlmCallEvent> confluent() {
    return new AvroSerializer<>(LlmCallEvent.class, AvroSerdeConfig.withRegistry(registry.url()));
  }
}
