package io.tokenmeter.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CallEventKeysTest {

  @Test
  void orgAndProjectMakeTheKeyWithAnAbsentSideLeftEmpty() {
    assertThat(CallEventKeys.of("org-1", "proj-1", "checkout")).isEqualTo("org-1/proj-1");
    assertThat(CallEventKeys.of("org-1", null, "checkout")).isEqualTo("org-1/");
    assertThat(CallEventKeys.of(null, "proj-1", "checkout")).isEqualTo("/proj-1");
  }

  @Test
  void withoutOrgAndProjectTheServiceIsTheKey() {
    assertThat(CallEventKeys.of(null, null, "checkout")).isEqualTo("checkout");
  }
}
