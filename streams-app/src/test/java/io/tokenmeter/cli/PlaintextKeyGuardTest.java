package io.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.SdkInfo;
import io.tokenmeter.sdk.internal.KeyFingerprints;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PlaintextKeyGuardTest {

  private static final String KEY = "sk-proj-4f1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d5";

  @Test
  void acceptsWhatTheSdkWritesAndAbsentKeyFields() {
    KeyFingerprints.Identity id = new KeyFingerprints(new byte[32]).identify(KEY);

    assertThat(PlaintextKeyGuard.problem(event(id.hint(), id.fingerprint()))).isEmpty();
    assertThat(PlaintextKeyGuard.problem(event(KeyFingerprints.hint("short-key-1"), null)))
        .isEmpty();
    assertThat(PlaintextKeyGuard.problem(event(null, null))).isEmpty();
  }

  @Test
  void aWholeKeyInTheHintIsRefusedWithoutRepeatingIt() {
    assertThat(PlaintextKeyGuard.problem(event(KEY, null)))
        .hasValueSatisfying(
            p -> assertThat(p).startsWith("api_key_hint: not a key hint").doesNotContain("4f1d"));
  }

  @Test
  void aWholeKeyInTheFingerprintIsRefusedWithoutRepeatingIt() {
    assertThat(PlaintextKeyGuard.problem(event(null, KEY)))
        .hasValueSatisfying(p ->
            assertThat(p).startsWith("api_key_fingerprint: not 32 hex").doesNotContain("4f1d"));
  }

  private static LlmCallEvent event(String hint, String fingerprint) {
    return LlmCallEvent.newBuilder()
        .setEventId("e")
        .setTimestamp(Instant.EPOCH)
        .setSdk(new SdkInfo("n", "v"))
        .setService("s")
        .setEnvironment("dev")
        .setProvider("openai")
        .setOperation("chat")
        .setRequestModel("gpt-4o")
        .setApiKeyHint(hint)
        .setApiKeyFingerprint(fingerprint)
        .build();
  }
}
