package io.tokenmeter.rollup;

import static io.tokenmeter.rollup.Calls.call;
import static io.tokenmeter.rollup.RollupDriver.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A producer that is not the SDK may paste a whole API key into {@code api_key_hint} or {@code
 * api_key_fingerprint}. The app must not carry it on into rollups, state, alerts or the dead-letter
 * topic: such an event is an {@code invalid} dead letter whose copy has the key fields redacted.
 */
class PastedKeyTopologyTest {

  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
  private static final String KEY = "sk-proj-PASTED9f8e7d6c5b4a39281706f5e4d3c2b1a0zz";

  private final RollupDriver driver = new RollupDriver(
      RollupDriver.rollup(Duration.ofMinutes(2), Duration.ofHours(1), 10_000),
      new FakePricing(),
      T0);

  @AfterEach
  void close() {
    driver.close();
  }

  @Test
  void aWholeKeyInTheHintIsAnInvalidDeadLetterWhoseCopyHasTheFieldRedacted() {
    driver.send(call(T0.plusSeconds(5)).setOrgId("org-paste").setApiKeyHint(KEY).build());
    driver.send(call(T0.plusSeconds(6)).setOrgId("org-ok").build());
    driver.send(call(T0.plusSeconds(200)).setOrgId("clock").build());

    TestRecord<byte[], byte[]> dead = onlyDeadLetter();
    assertThat(header(dead, DeadLetterHeaders.REASON)).isEqualTo("invalid");
    assertThat(header(dead, DeadLetterHeaders.ERROR))
        .startsWith("api_key_hint: not a key hint like sk-...abcd (" + KEY.length() + " characters")
        .doesNotContain("PASTED");
    LlmCallEvent copy = decode(dead.value());
    assertThat(copy.getApiKeyHint()).isEqualTo(DecodeProcessor.REDACTED);
    assertThat(copy.getApiKeyFingerprint()).isEqualTo(DecodeProcessor.REDACTED);
    assertThat(copy.getOrgId()).isEqualTo("org-paste");
    assertThat(new String(dead.value(), StandardCharsets.ISO_8859_1)).doesNotContain("PASTED");
    assertThat(driver.rollups())
        .extracting(r -> r.value().getOrgId())
        .doesNotContain("org-paste")
        .contains("org-ok");
    assertThat(driver.rollups())
        .allSatisfy(r -> assertThat(r.value().toString()).doesNotContain("PASTED"));
  }

  @Test
  void aWholeKeyInTheFingerprintIsAnInvalidDeadLetterWhoseCopyHasTheFieldRedacted() {
    driver.send(
        call(T0.plusSeconds(5)).setOrgId("org-paste").setApiKeyFingerprint(KEY).build());
    driver.send(call(T0.plusSeconds(200)).setOrgId("clock").build());

    TestRecord<byte[], byte[]> dead = onlyDeadLetter();
    assertThat(header(dead, DeadLetterHeaders.ERROR))
        .startsWith(
            "api_key_fingerprint: longer than the 32 characters of a fingerprint (" + KEY.length());
    assertThat(decode(dead.value()).getApiKeyFingerprint()).isEqualTo(DecodeProcessor.REDACTED);
    assertThat(new String(dead.value(), StandardCharsets.ISO_8859_1)).doesNotContain("PASTED");
    assertThat(driver.rollups()).extracting(r -> r.value().getOrgId()).doesNotContain("org-paste");
  }

  @Test
  void sdkShapedKeyFieldsAreCounted() {
    driver.send(call(T0.plusSeconds(5))
        .setOrgId("org-sdk")
        .setApiKeyHint("sk-...zz01")
        .setApiKeyFingerprint("0123456789abcdef0123456789ABCDEF")
        .build());
    driver.send(call(T0.plusSeconds(200)).setOrgId("clock").build());

    assertThat(driver.deadLetters()).isEmpty();
    assertThat(driver.rollups()).extracting(r -> r.value().getOrgId()).contains("org-sdk");
  }

  private TestRecord<byte[], byte[]> onlyDeadLetter() {
    List<TestRecord<byte[], byte[]>> dead = driver.deadLetters();
    assertThat(dead).hasSize(1);
    return dead.get(0);
  }

  private static LlmCallEvent decode(byte[] bytes) {
    return new AvroDeserializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry())
        .deserialize(RollupDriver.CALLS, bytes);
  }
}
