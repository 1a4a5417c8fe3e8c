package io.tokenmeter.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.LlmCallEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Whatever arrives on a topic, the deserializer answers with a record it can vouch for or a
 * {@link SerializationException} that says what is wrong: the streams app sends such records to
 * the dead-letter topic with that message, so it must never be another exception type, and never
 * a record read with a guessed schema.
 */
class MalformedInputTest {

  private static final String TOPIC = "llm.calls";

  private static FakeSchemaRegistry registry;
  private static AvroDeserializer<LlmCallEvent> withRegistry;
  private static AvroDeserializer<LlmCallEvent> withoutRegistry;

  @BeforeAll
  static void setUp() {
    registry = FakeSchemaRegistry.start(7);
    withRegistry =
        new AvroDeserializer<>(LlmCallEvent.class, AvroSerdeConfig.withRegistry(registry.url()));
    withoutRegistry = new AvroDeserializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry());
  }

  @AfterAll
  static void stopRegistry() {
    registry.close();
  }

  @Test
  void unknownFirstByteIsRefusedShowingTheBytes() {
    byte[] json = "{\"event_id\":\"x\"}".getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> withRegistry.deserialize(TOPIC, json))
        .isExactlyInstanceOf(SerializationException.class)
        .hasMessage("unknown Avro wire format on topic llm.calls: 16 bytes starting 7b226576;"
            + " expected 00 (Confluent) or c301 (single-object)");
  }

  @Test
  void emptyRecordIsRefused() {
    assertThatThrownBy(() -> withRegistry.deserialize(TOPIC, new byte[0]))
        .isExactlyInstanceOf(SerializationException.class)
        .hasMessageContaining("unknown Avro wire format on topic llm.calls: 0 bytes");
  }

  @Test
  void nullIsATombstoneNotAnError() {
    assertThat(withRegistry.deserialize(TOPIC, null)).isNull();
    assertThat(singleObjectSerializer().serialize(TOPIC, null)).isNull();
  }

  @Test
  void headerCutShortIsRefusedAsTruncated() {
    assertThatThrownBy(() -> withRegistry.deserialize(TOPIC, new byte[] {0, 0, 0}))
        .isExactlyInstanceOf(SerializationException.class)
        .hasMessage(
            "truncated Confluent-format record on topic llm.calls: 3 bytes, shorter than the 5-byte header");
    assertThatThrownBy(() -> withRegistry.deserialize(TOPIC, new byte[] {(byte) 0xC3, 0x01, 0x5f}))
        .isExactlyInstanceOf(SerializationException.class)
        .hasMessage(
            "truncated single-object record on topic llm.calls: 3 bytes, shorter than the 10-byte header");
  }

  @Test
  void everyTruncationOfASingleObjectRecordIsRefused() {
    byte[] whole = singleObjectSerializer().serialize(TOPIC, CallEvents.golden());

    for (int length = 0; length < whole.length; length++) {
      byte[] cut = Arrays.copyOf(whole, length);
      assertThatThrownBy(() -> withoutRegistry.deserialize(TOPIC, cut))
          .as("first %d of %d bytes", length, whole.length)
          .isExactlyInstanceOf(SerializationException.class);
    }
    byte[] bodyCut = Arrays.copyOf(whole, whole.length - 1);
    assertThatThrownBy(() -> withoutRegistry.deserialize(TOPIC, bodyCut))
        .hasMessageStartingWith(
            "corrupt single-object LlmCallEvent on topic llm.calls: java.io.EOFException");
  }

  @Test
  void everyTruncationOfAConfluentRecordIsRefused() {
    byte[] whole = confluentSerializer().serialize(TOPIC, CallEvents.golden());

    for (int length = 0; length < whole.length; length++) {
      byte[] cut = Arrays.copyOf(whole, length);
      assertThatThrownBy(() -> withRegistry.deserialize(TOPIC, cut))
          .as("first %d of %d bytes", length, whole.length)
          .isExactlyInstanceOf(SerializationException.class);
    }
    byte[] bodyCut = Arrays.copyOf(whole, whole.length - 1);
    assertThatThrownBy(() -> withRegistry.deserialize(TOPIC, bodyCut))
        .hasMessageStartingWith(
            "corrupt Confluent-format LlmCallEvent on topic llm.calls (schema id 7): java.io.EOFException");
  }

  @Test
  void trailingBytesAfterTheRecordAreRefused() {
    byte[] singleObject =
        withExtraByte(singleObjectSerializer().serialize(TOPIC, CallEvents.golden()));
    byte[] confluent = withExtraByte(confluentSerializer().serialize(TOPIC, CallEvents.golden()));

    assertThatThrownBy(() -> withoutRegistry.deserialize(TOPIC, singleObject))
        .isExactlyInstanceOf(SerializationException.class)
        .hasMessageContaining("single-object LlmCallEvent on topic llm.calls has trailing bytes");
    assertThatThrownBy(() -> withRegistry.deserialize(TOPIC, confluent))
        .isExactlyInstanceOf(SerializationException.class)
        .hasMessageContaining("(schema id 7) has trailing bytes");
  }

  @Test
  void unknownSingleObjectFingerprintIsRefusedNamingIt() {
    byte[] bytes = singleObjectSerializer().serialize(TOPIC, CallEvents.golden());
    ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(2, 0x0123456789abcdefL);

    assertThatThrownBy(() -> withoutRegistry.deserialize(TOPIC, bytes))
        .isExactlyInstanceOf(SerializationException.class)
        .hasMessage(
            "single-object record on topic llm.calls has schema fingerprint 0123456789abcdef, which"
                + " matches none of the 1 bundled LlmCallEvent versions; was it written by a newer"
                + " tokenmeter-schemas?");
  }

  @Test
  void confluentRecordWithoutARegistryConfiguredIsRefusedNamingTheSetting() {
    byte[] bytes = confluentSerializer().serialize(TOPIC, CallEvents.golden());

    assertThatThrownBy(() -> withoutRegistry.deserialize(TOPIC, bytes))
        .isExactlyInstanceOf(SerializationException.class)
        .hasMessage(
            "record on topic llm.calls is in Confluent wire format (schema id 7) but no registry is"
                + " configured: set the registry URL (the app's kafka.schema.registry.url, the serde's"
                + " tokenmeter.registry.url)");
  }

  @Test
  void schemaIdUnknownToTheRegistryIsRefusedWithTheRegistrysAnswer() {
    byte[] bytes = withSchemaId(confluentSerializer().serialize(TOPIC, CallEvents.golden()), 999);

    assertThatThrownBy(() -> withRegistry.deserialize(TOPIC, bytes))
        .isExactlyInstanceOf(SerializationException.class)
        .hasMessageContaining("refused to fetch schema id 999: HTTP 404")
        .hasMessageContaining("Schema 999 not found");
  }

  @Test
  void unreachableRegistryIsRefusedNamingIt() throws IOException {
    String nobody = "http://127.0.0.1:" + portWithNoListener();
    byte[] bytes = confluentSerializer().serialize(TOPIC, CallEvents.golden());
    var deserializer =
        new AvroDeserializer<>(LlmCallEvent.class, AvroSerdeConfig.withRegistry(nobody));

    assertThatThrownBy(() -> deserializer.deserialize(TOPIC, bytes))
        .isExactlyInstanceOf(SerializationException.class)
        .hasMessageStartingWith(
            "schema registry " + nobody + " unreachable; could not fetch schema id 7");
  }

  @Test
  void nonAvroSchemaUnderTheIdIsRefused() {
    registry.answerForId(
        501, "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\"}");
    byte[] bytes = withSchemaId(confluentSerializer().serialize(TOPIC, CallEvents.golden()), 501);

    assertThatThrownBy(() -> withRegistry.deserialize(TOPIC, bytes))
        .isExactlyInstanceOf(SerializationException.class)
        .hasMessageEndingWith("holds a PROTOBUF schema under id 501, not an Avro one");
  }

  @Test
  void unparseableSchemaUnderTheIdIsRefused() {
    registry.answerForId(502, "{\"schema\":\"{\\\"type\\\":\\\"recrod\\\"}\"}");
    byte[] bytes = withSchemaId(confluentSerializer().serialize(TOPIC, CallEvents.golden()), 502);

    assertThatThrownBy(() -> withRegistry.deserialize(TOPIC, bytes))
        .isExactlyInstanceOf(SerializationException.class)
        .hasMessageContaining("holds an unparseable Avro schema under id 502");
  }

  @Test
  void registryAnswerWithoutASchemaIsRefused() {
    registry.answerForId(503, "{\"message\":\"ok\"}");
    byte[] bytes = withSchemaId(confluentSerializer().serialize(TOPIC, CallEvents.golden()), 503);

    assertThatThrownBy(() -> withRegistry.deserialize(TOPIC, bytes))
        .isExactlyInstanceOf(SerializationException.class)
        .hasMessageEndingWith("answered without a schema when asked to fetch schema id 503");
  }

  @Test
  void registrySchemaThisBuildCannotReadIsRefusedNamingTheField() {
    Schema v1 = BundledSchemas.versions("LlmCallEvent").get(0);
    String idAsLong = v1.toString()
        .replaceFirst(
            "\\{\"name\":\"event_id\",\"type\":\"string\"",
            "{\"name\":\"event_id\",\"type\":\"long\"");
    int id = registry.register("elsewhere-value", idAsLong);
    byte[] bytes = withSchemaId(confluentSerializer().serialize(TOPIC, CallEvents.golden()), id);

    assertThatThrownBy(() -> withRegistry.deserialize(TOPIC, bytes))
        .isExactlyInstanceOf(SerializationException.class)
        .hasMessageStartingWith(
            "record on topic llm.calls is unreadable: LlmCallEvent as built cannot read data"
                + " written with registry schema id " + id + ": field 'event_id' changed type");
  }

  @Test
  void hugeDeclaredStringLengthIsRefusedBeforeAnythingIsAllocated() throws IOException {
    // Six bytes of body that claim a 2 GB event_id: Avro alone would allocate it, and fail with
    // an OutOfMemoryError on this test's heap.
    byte[] bytes = singleObject(LlmCallEvent.getClassSchema(), e -> {
      e.writeLong(2_000_000_000L);
      e.writeFixed(new byte[] {'x'});
    });

    assertThatThrownBy(() -> withoutRegistry.deserialize(TOPIC, bytes))
        .isExactlyInstanceOf(SerializationException.class)
        .hasMessageContaining("declares a string of length 2000000000 but only 1 bytes are left");
  }

  @Test
  void hugeDeclaredMapSizeIsRefusedBeforeAnythingIsAllocated() throws IOException {
    byte[] bytes = singleObject(Alert.getClassSchema(), e -> {
      e.writeString("dedup");
      e.writeEnum(0);
      e.writeString("error_rate");
      e.writeString("critical");
      e.writeLong(1_000_000_000L); // scope: a map block claiming a billion entries
      e.writeString("k");
    });
    var alerts = new AvroDeserializer<>(Alert.class, AvroSerdeConfig.withoutRegistry());

    assertThatThrownBy(() -> alerts.deserialize("llm.alerts", bytes))
        .isExactlyInstanceOf(SerializationException.class)
        .hasMessageContaining("declares a map block of length 1000000000 but only");
  }

  @Test
  void corruptedBytesYieldARecordOrASerializationExceptionNeverAnotherException() {
    byte[] whole = singleObjectSerializer().serialize(TOPIC, CallEvents.golden());
    int[] replacements = {0x00, 0x01, 0x7f, 0x80, 0xff};

    for (int position = 10; position < whole.length; position++) {
      for (int replacement : replacements) {
        byte[] corrupted = whole.clone();
        corrupted[position] = (byte) replacement;
        Throwable thrown = catchThrowable(() -> withoutRegistry.deserialize(TOPIC, corrupted));
        assertThat(thrown)
            .as("byte %d set to %02x", position, replacement)
            .satisfiesAnyOf(
                t -> assertThat(t).isNull(),
                t -> assertThat(t).isExactlyInstanceOf(SerializationException.class));
      }
    }
  }

  private interface Body {
    void write(BinaryEncoder encoder) throws IOException;
  }

  /** A single-object record of {@code schema} whose body is whatever {@code body} writes. */
  private static byte[] singleObject(Schema schema, Body body) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0xC3);
    out.write(0x01);
    out.write(ByteBuffer.allocate(8)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(SchemaNormalization.parsingFingerprint64(schema))
        .array());
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    body.write(encoder);
    encoder.flush();
    return out.toByteArray();
  }

  private static byte[] withExtraByte(byte[] bytes) {
    return Arrays.copyOf(bytes, bytes.length + 1);
  }

  private static byte[] withSchemaId(byte[] confluent, int id) {
    byte[] out = confluent.clone();
    ByteBuffer.wrap(out).putInt(1, id);
    return out;
  }

  private static int portWithNoListener() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static AvroSerializer<LlmCallEvent> singleObjectSerializer() {
    return new AvroSerializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry());
  }

  private static AvroSerializer<LlmCallEvent> confluentSerializer() {
    return new AvroSerializer<>(LlmCallEvent.class, AvroSerdeConfig.withRegistry(registry.url()));
  }
}
