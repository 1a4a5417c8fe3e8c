package io.tokenmeter.bench.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.SdkInfo;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class CallEventDecoderTest {

  private final CallEventDecoder decoder = new CallEventDecoder();

  @Test
  void decodesWhatTheGeneratedClassEncodes() throws Exception {
    GenericRecord r = decoder.decode(encode(event()));
    assertThat(r.get("timestamp")).isEqualTo(1_700_000_000_123L);
    assertThat(r.get("request_model").toString()).isEqualTo("gpt-4o");
    assertThat(r.get("response_model")).isNull();
    assertThat(r.get("input_tokens")).isEqualTo(12L);
  }

  @Test
  void bundlesTheSchemaTheSchemasModuleGeneratesFrom() {
    // Compared by canonical form: the generated class's copy carries avro.java.string properties.
    assertThat(SchemaNormalization.parsingFingerprint64(decoder.readerSchema()))
        .isEqualTo(SchemaNormalization.parsingFingerprint64(LlmCallEvent.getClassSchema()));
  }

  @Test
  void refusesOtherMagic() {
    byte[] confluent = new byte[] {0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7};
    assertThatThrownBy(() -> decoder.decode(confluent))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not Avro single-object encoding")
        .hasMessageContaining("00 00 00 00 01");
  }

  @Test
  void refusesAnUnknownFingerprint() throws Exception {
    byte[] bytes = encode(event());
    bytes[2] ^= 0x55;
    assertThatThrownBy(() -> decoder.decode(bytes))
        .hasMessageContaining("unknown writer schema fingerprint");
  }

  @Test
  void refusesATruncatedBody() throws Exception {
    byte[] bytes = encode(event());
    assertThatThrownBy(() -> decoder.decode(Arrays.copyOf(bytes, 14)))
        .hasMessageContaining("cannot decode");
  }

  private static LlmCallEvent event() {
    return LlmCallEvent.newBuilder()
        .setEventId("e1")
        .setTimestamp(Instant.ofEpochMilli(1_700_000_000_123L))
        .setSdk(SdkInfo.newBuilder().setName("t").setVersion("0").build())
        .setService("svc")
        .setEnvironment("test")
        .setProvider("openai")
        .setOperation("chat")
        .setRequestModel("gpt-4o")
        .setInputTokens(12L)
        .build();
  }

  private static byte[] encode(LlmCallEvent e) throws Exception {
    ByteBuffer buf = LlmCallEvent.getEncoder().encode(e);
    byte[] bytes = new byte[buf.remaining()];
    buf.get(bytes);
    return bytes;
  }
}
