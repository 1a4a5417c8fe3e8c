package io.tokenmeter.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.schemas.LlmCallEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pins both wire formats to committed bytes. A change here is a change of what every consumer on
 * every topic reads: if one of these fails, the encoding changed, and it must be a deliberate
 * decision (see docs/schemas.md), never a side effect of a refactoring or an upgrade.
 */
class GoldenBytesTest {

  /** The id the fake registry gives the v1 schema, which the Confluent fixture carries. */
  private static final int SCHEMA_ID = 7;

  private static final String TOPIC = "llm.calls";
  private static final HexFormat HEX = HexFormat.of();

  private static FakeSchemaRegistry registry;

  @BeforeAll
  static void startRegistry() {
    registry = FakeSchemaRegistry.start(SCHEMA_ID);
  }

  @AfterAll
  static void stopRegistry() {
    registry.close();
  }

  @Test
  void singleObjectEncodingOfTheGoldenEventIsExactlyTheFixture() throws IOException {
    byte[] bytes = singleObjectSerializer().serialize(TOPIC, CallEvents.golden());

    assertThat(HEX.formatHex(bytes)).isEqualTo(fixture("llm-call-event-v1.single-object.hex"));
  }

  @Test
  void confluentEncodingOfTheGoldenEventIsExactlyTheFixture() throws IOException {
    byte[] bytes = confluentSerializer().serialize(TOPIC, CallEvents.golden());

    assertThat(HEX.formatHex(bytes)).isEqualTo(fixture("llm-call-event-v1.confluent-id-7.hex"));
  }

  @Test
  void singleObjectFixtureReadsBackAsTheGoldenEvent() throws IOException {
    byte[] bytes = HEX.parseHex(fixture("llm-call-event-v1.single-object.hex"));

    LlmCallEvent read = new AvroDeserializer<>(
            LlmCallEvent.class, AvroSerdeConfig.withoutRegistry())
        .deserialize(TOPIC, bytes);

    assertThat(read).isEqualTo(CallEvents.golden());
  }

  @Test
  void confluentFixtureReadsBackAsTheGoldenEvent() throws IOException {
    byte[] bytes = HEX.parseHex(fixture("llm-call-event-v1.confluent-id-7.hex"));
    registry.register(TOPIC + "-value", BundledSchemas.text("LlmCallEvent", 1));

    LlmCallEvent read = new AvroDeserializer<>(
            LlmCallEvent.class, AvroSerdeConfig.withRegistry(registry.url()))
        .deserialize(TOPIC, bytes);

    assertThat(read).isEqualTo(CallEvents.golden());
  }

  /** Checks the fixtures against the specs, so they cannot merely pin a wrong encoding. */
  @Test
  void singleObjectHeaderIsTheMarkerAndTheLittleEndianFingerprintOfV1() throws IOException {
    byte[] bytes = HEX.parseHex(fixture("llm-call-event-v1.single-object.hex"));
    long fingerprint = SchemaNormalization.parsingFingerprint64(
        BundledSchemas.versions("LlmCallEvent").get(0));

    ByteBuffer expected = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
    expected.put((byte) 0xC3).put((byte) 0x01).putLong(fingerprint);
    assertThat(Arrays.copyOf(bytes, 10)).isEqualTo(expected.array());
  }

  @Test
  void confluentHeaderIsMagicZeroAndTheBigEndianIdFollowedByTheSameBody() throws IOException {
    byte[] confluent = HEX.parseHex(fixture("llm-call-event-v1.confluent-id-7.hex"));
    byte[] singleObject = HEX.parseHex(fixture("llm-call-event-v1.single-object.hex"));

    assertThat(Arrays.copyOf(confluent, 5)).isEqualTo(new byte[] {0, 0, 0, 0, SCHEMA_ID});
    assertThat(Arrays.copyOfRange(confluent, 5, confluent.length))
        .isEqualTo(Arrays.copyOfRange(singleObject, 10, singleObject.length));
  }

  private static AvroSerializer<LlmCallEvent> singleObjectSerializer() {
    return new AvroSerializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry());
  }

  private static AvroSerializer<LlmCallEvent> confluentSerializer() {
    return new AvroSerializer<>(LlmCallEvent.class, AvroSerdeConfig.withRegistry(registry.url()));
  }

  static String fixture(String name) throws IOException {
    try (InputStream in = GoldenBytesTest.class.getResourceAsStream("/golden/" + name)) {
      assertThat(in).as("fixture /golden/%s", name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip();
    }
  }
}
