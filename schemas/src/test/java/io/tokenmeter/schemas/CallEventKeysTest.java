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

  @Test
  void aKeyMatchesExactlyWhenItEqualsTheKeyBuilt() {
    String[] values = {null, "", "a", "ab", "a/b", "b", "/", "org-1"};
    String[] keys = {
      "", "/", "a/", "/a", "a/b", "ab/", "a//b", "a/b/", "org-1/", "org-1/b", "ab", "a", "b", "/ab"
    };
    for (String org : values) {
      for (String project : values) {
        for (String service : new String[] {"a", "ab", ""}) {
          for (String key : keys) {
            assertThat(CallEventKeys.matches(key, org, project, service))
                .as("key %s for org %s, project %s, service %s", key, org, project, service)
                .isEqualTo(key.equals(CallEventKeys.of(org, project, service)));
          }
        }
      }
    }
  }
}
