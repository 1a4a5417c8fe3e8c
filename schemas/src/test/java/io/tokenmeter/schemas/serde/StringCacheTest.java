package io.tokenmeter.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class StringCacheTest {

  private final BoundedDecoder.StringCache cache = new BoundedDecoder.StringCache();

  @Test
  void aValueSeenAgainIsOneStringAndUniqueValuesDoNotPushItOut() {
    String first = get("gpt-4o-mini");
    String second = get("gpt-4o-mini");
    String third = get("gpt-4o-mini");
    assertThat(first).isEqualTo("gpt-4o-mini");
    assertThat(third).isSameAs(second);
    for (int i = 0; i < 100_000; i++) {
      String id = UUID.randomUUID().toString();
      assertThat(get(id)).isEqualTo(id);
    }
    assertThat(get("gpt-4o-mini")).isSameAs(second);
  }

  @Test
  void everyLookupGivesTheStringOfItsOwnBytes() {
    // Many values over few slots: collisions and replacements must never return another value.
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < 20_000; i++) {
        String v = "org-" + (i % 7_000) + "-é";
        assertThat(get(v)).isEqualTo(v);
      }
    }
    String longer = "x".repeat(500);
    assertThat(get(longer)).isEqualTo(longer);
  }

  private String get(String s) {
    byte[] padded = ("##" + s + "##").getBytes(StandardCharsets.UTF_8);
    return cache.get(padded, 2, padded.length - 4);
  }
}
