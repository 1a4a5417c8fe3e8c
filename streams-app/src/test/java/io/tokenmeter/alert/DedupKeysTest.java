package io.tokenmeter.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DedupKeysTest {

  @Test
  void keyIsTheAlertTypeAndScopeJoinedWithColons() {
    assertThat(DedupKeys.of("rate_limit_requests", "org-1/proj-a", "gpt-4o"))
        .isEqualTo("rate_limit_requests:org-1/proj-a:gpt-4o");
  }

  @Test
  void sameScopeAlwaysGivesTheSameKey() {
    assertThat(RateLimitDetector.dedupKey(
            new RateLimitScope("org-1", "proj-a", "gpt-4o"), RateLimitMetric.REQUESTS))
        .isEqualTo(RateLimitDetector.dedupKey(
            new RateLimitScope("org-1", "proj-a", "gpt-4o"), RateLimitMetric.REQUESTS))
        .isEqualTo("rate_limit_requests:org-1/proj-a:gpt-4o");
    assertThat(UnpricedModelDetector.dedupKey("o3")).isEqualTo("unpriced_model:o3");
  }

  @Test
  void colonsInsidePartsCannotMakeTwoScopesCollide() {
    String fineTuned = DedupKeys.of("unpriced_model", "ft:gpt-4o:org:custom");

    assertThat(fineTuned).isEqualTo("unpriced_model:ft%3Agpt-4o%3Aorg%3Acustom");
    assertThat(DedupKeys.of("t", "a:b", "c")).isNotEqualTo(DedupKeys.of("t", "a", "b:c"));
    assertThat(DedupKeys.of("t", "a%3Ab")).isNotEqualTo(DedupKeys.of("t", "a:b"));
  }

  @Test
  void longKeysAreCutTo255CharactersWithAHashOfTheWhole() {
    String model = "m".repeat(400);

    String key = DedupKeys.of("unpriced_model", model);
    String other = DedupKeys.of("unpriced_model", model + "x");

    assertThat(key)
        .hasSize(DedupKeys.MAX_LENGTH)
        .startsWith("unpriced_model:mmm")
        .matches(".*#[0-9a-f]{16}");
    assertThat(other).hasSize(DedupKeys.MAX_LENGTH).isNotEqualTo(key);
    assertThat(DedupKeys.of("unpriced_model", model)).isEqualTo(key);
  }

  @Test
  void keyOfExactly255CharactersIsKept() {
    String part = "x".repeat(255 - "t:".length());

    assertThat(DedupKeys.of("t", part)).isEqualTo("t:" + part);
  }

  @Test
  void cutNeverSplitsASurrogatePair() {
    String emoji = "\uD83D\uDE00".repeat(200);

    String key = DedupKeys.of("t", emoji);

    assertThat(key.length()).isLessThanOrEqualTo(DedupKeys.MAX_LENGTH);
    int hash = key.indexOf('#');
    assertThat(Character.isHighSurrogate(key.charAt(hash - 1))).isFalse();
  }

  @Test
  void corruptStateIsRejectedWithAClearMessage() {
    assertThatThrownBy(() -> RateLimitState.decode(new byte[] {1, 0}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rate-limit state is truncated or corrupt");
    assertThatThrownBy(() -> UnpricedModelState.decode(new byte[] {9}))
        .hasMessageContaining("format 9");
  }
}
