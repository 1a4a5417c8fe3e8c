package io.tokenmeter.alert;

import static io.tokenmeter.alert.Events.T0;
import static io.tokenmeter.alert.Events.call;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.schemas.LlmCallEvent;
import org.junit.jupiter.api.Test;

/** The cached key is the scope's own store key, for every scope, past the bound too. */
class RateLimitKeysTest {

  private final RateLimitKeys keys = new RateLimitKeys();

  private static LlmCallEvent event(String org, String project, String model) {
    return call(T0).setOrgId(org).setProjectId(project).setRequestModel(model).build();
  }

  @Test
  void aScopesKeyIsItsStoreKeyAndIsBuiltOnce() {
    LlmCallEvent e = event("org-1", "proj:a", "gpt-4o");
    String first = keys.of(e);
    assertThat(first).isEqualTo(RateLimitScope.of(e).storeKey());
    assertThat(keys.of(event("org-1", "proj:a", "gpt-4o"))).isSameAs(first);
    assertThat(keys.of(event("org-1", null, "gpt-4o")))
        .isEqualTo(RateLimitScope.of(event("org-1", null, "gpt-4o")).storeKey())
        .isNotEqualTo(first);
  }

  @Test
  void pastTheBoundEveryScopeStillGetsItsOwnKey() {
    for (int i = 0; i < RateLimitKeys.MAX_SCOPES * 2 + 3; i++) {
      LlmCallEvent e = event("org-" + i, "p", "m-" + (i % 7));
      assertThat(keys.of(e)).isEqualTo(RateLimitScope.of(e).storeKey());
    }
  }
}
