package io.tokenmeter.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KeyFingerprintsTest {

  private static final byte[] SECRET =
      "0123456789abcdef0123456789abcdef-test-secret".getBytes(StandardCharsets.UTF_8);

  @Test
  void fingerprintIsHmacSha256TruncatedTo16BytesHex() {
    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    KeyFingerprints rfc = new KeyFingerprints("Jefe".getBytes(StandardCharsets.US_ASCII));
    assertThat(rfc.identify("what do ya want for nothing?").fingerprint())
        .isEqualTo("5bdcc146bf60754e6a042426089575c7");
  }

  @Test
  void sameKeyAndSecretGiveTheSameFingerprintDifferentSecretsDoNot() {
    String key = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789wxyz";
    String a = new KeyFingerprints(SECRET).identify(key).fingerprint();
    String b = new KeyFingerprints(SECRET).identify(key).fingerprint();
    String c = new KeyFingerprints(
            "another-secret-another-secret-another".getBytes(StandardCharsets.UTF_8))
        .identify(key)
        .fingerprint();
    assertThat(a).hasSize(32).matches("[0-9a-f]{32}").isEqualTo(b).isNotEqualTo(c);
  }

  @Test
  void bearerPrefixAndWhitespaceDoNotChangeTheFingerprint() {
    KeyFingerprints f = new KeyFingerprints(SECRET);
    String key = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789wxyz";
    assertThat(f.identify("Bearer " + key)).isEqualTo(f.identify(key));
    assertThat(f.identify("  bearer   " + key + "\n")).isEqualTo(f.identify(key));
  }

  @Test
  void repeatedKeysAreServedFromTheCacheAndStayCorrectBeyondItsSize() {
    KeyFingerprints f = new KeyFingerprints(SECRET);
    KeyFingerprints.Identity first = f.identify("sk-key-number-zero-0000000000");
    assertThat(f.identify("sk-key-number-zero-0000000000")).isSameAs(first);
    for (int i = 0; i < 1000; i++) {
      f.identify("sk-key-number-" + i + "-000000000000000");
    }
    assertThat(f.identify("sk-key-number-zero-0000000000")).isEqualTo(first);
  }

  @Test
  void hintShowsTypePrefixAndLastFourCharacters() {
    assertThat(KeyFingerprints.hint("sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd"))
        .isEqualTo("sk-...abcd");
    assertThat(KeyFingerprints.hint("sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz-9f3e"))
        .isEqualTo("sk-...9f3e");
    // Azure keys: 32 hex characters, no dash.
    assertThat(KeyFingerprints.hint("0a1b2c3d4e5f60718293a4b5c6d7e8f9")).isEqualTo("0a1...e8f9");
    // A dash far into the key is not a type prefix.
    assertThat(KeyFingerprints.hint("abcdefghijklmnop-qrstuvwxyz")).isEqualTo("abc...wxyz");
  }

  @Test
  void shortKeysRevealAtMostAQuarterAndNeverMoreThanFourCharacters() {
    assertThat(KeyFingerprints.hint("sk-abcdefghijklmno")).isEqualTo("...lmno");
    assertThat(KeyFingerprints.hint("abcdefgh")).isEqualTo("...gh");
    assertThat(KeyFingerprints.hint("abc")).isEqualTo("...");
    for (int n = 1; n < 40; n++) {
      String key = "k".repeat(n - 1) + "Z";
      String revealed = KeyFingerprints.hint(key).replace("...", "");
      assertThat(revealed.length())
          .as("characters revealed of a %d-character key", n)
          .isLessThanOrEqualTo(n < 20 ? 4 : 7);
      assertThat(revealed.length()).isLessThan(Math.max(1, n / 2) + 1);
    }
  }

  @Test
  void noKeyGivesNoIdentity() {
    KeyFingerprints f = new KeyFingerprints(SECRET);
    assertThat(f.identify(null)).isNull();
    assertThat(f.identify("   ")).isNull();
    assertThat(f.identify("Bearer ")).isNull();
    assertThat(KeyFingerprints.hint(null)).isNull();
  }

  @Test
  void identityToStringHasNoKey() {
    String key = "sk-proj-SECRETSECRETSECRETSECRET1234";
    assertThat(new KeyFingerprints(SECRET).identify(key).toString()).doesNotContain(key);
  }
}
