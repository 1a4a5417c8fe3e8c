package io.tokenmeter.config;

import static io.tokenmeter.config.ConfigFixtures.failure;
import static io.tokenmeter.config.ConfigFixtures.writeFile;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.config.AlertSettings.RateLimit;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RateLimitAndAllowListTest {

  private static final String KEY_A = "0123456789abcdef0123456789abcdef";
  private static final String KEY_B = "fedcba9876543210fedcba9876543210";

  @TempDir
  Path dir;

  @Test
  void eachIndexBecomesOneLimitInNumericOrder() {
    Path file = writeFile(
        dir,
        "alerts.rate.limit.10.org=org-3",
        "alerts.rate.limit.10.requests.per.minute=50",
        "alerts.rate.limit.1.org=org-1",
        "alerts.rate.limit.1.project=proj-a",
        "alerts.rate.limit.1.model=gpt-4o",
        "alerts.rate.limit.1.requests.per.minute=500",
        "alerts.rate.limit.1.tokens.per.minute=200000",
        "alerts.rate.limit.2.org=org-2",
        "alerts.rate.limit.2.tokens.per.minute=1000000");

    TokenmeterConfig config = ConfigLoader.create().file(file).load();

    assertThat(config.alerts().rateLimits())
        .containsExactly(
            new RateLimit("org-1", "proj-a", "gpt-4o", 500L, 200_000L),
            new RateLimit("org-2", null, null, null, 1_000_000L),
            new RateLimit("org-3", null, null, 50L, null));
  }

  @Test
  void fileAndEnvironmentCombinePerField() {
    Path file = writeFile(
        dir, "alerts.rate.limit.1.org=org-1", "alerts.rate.limit.1.requests.per.minute=500");

    TokenmeterConfig config = ConfigLoader.create()
        .file(file)
        .env(Map.of("TOKENMETER_ALERTS_RATE_LIMIT_1_REQUESTS_PER_MINUTE", "800"))
        .load();

    assertThat(config.alerts().rateLimits())
        .containsExactly(new RateLimit("org-1", null, null, 800L, null));
  }

  @Test
  void limitWithoutOrgOrWithoutNumbersSaysWhatToAdd() {
    Path file = writeFile(
        dir,
        "alerts.rate.limit.1.model=gpt-4o",
        "alerts.rate.limit.1.requests.per.minute=500",
        "alerts.rate.limit.2.org=org-2");

    ConfigException e = failure(ConfigLoader.create().file(file));

    assertThat(e.problems())
        .containsExactly(
            "alerts.rate.limit.1.org is required because alerts.rate.limit.1.model is set (file "
                + file + ":1);"
                + " name the org the limit applies to (project and model are optional)",
            "rate limit 2 has no limit (file " + file
                + ":3); set alerts.rate.limit.2.requests.per.minute"
                + " or alerts.rate.limit.2.tokens.per.minute (or both)");
  }

  @Test
  void nonPositiveLimitNamesTheIndexedKey() {
    ConfigException e = failure(ConfigLoader.create()
        .override("alerts.rate.limit.3.org", "org-1")
        .override("alerts.rate.limit.3.tokens.per.minute", "-5", "--tpm"));

    assertThat(e.problems())
        .contains(
            "invalid value '-5' for alerts.rate.limit.3.tokens.per.minute (flag --tpm): expected an integer >= 1");
  }

  @Test
  void misspeltLimitFieldSuggestsTheRightOne() {
    ConfigException e = failure(ConfigLoader.create()
        .override("alerts.rate.limit.1.org", "org-1")
        .override("alerts.rate.limit.1.request.per.minute", "500"));

    assertThat(e.problems())
        .contains(
            "unknown configuration key 'alerts.rate.limit.1.request.per.minute'"
                + " (override of alerts.rate.limit.1.request.per.minute); did you mean 'alerts.rate.limit.1.requests.per.minute'?");
  }

  @Test
  void twoLimitsForTheSameScopeAreRejected() {
    Path file = writeFile(
        dir,
        "alerts.rate.limit.1.org=org-1",
        "alerts.rate.limit.1.model=gpt-4o",
        "alerts.rate.limit.1.requests.per.minute=500",
        "alerts.rate.limit.2.org=org-1",
        "alerts.rate.limit.2.model=gpt-4o",
        "alerts.rate.limit.2.requests.per.minute=600");

    ConfigException e = failure(ConfigLoader.create().file(file));

    assertThat(e.problems())
        .containsExactly(
            "rate limits 1 and 2 both apply to org 'org-1', project '*', model 'gpt-4o'; keep one");
  }

  @Test
  void allowListFingerprintsAreTrimmedAndLowerCased() {
    TokenmeterConfig config = ConfigLoader.create()
        .env(Map.of(
            "TOKENMETER_ALERTS_KEY_ALLOW_LIST", " " + KEY_A.toUpperCase() + " , " + KEY_B + ",,"))
        .load();

    assertThat(config.alerts().keyAllowList()).containsExactlyInAnyOrder(KEY_A, KEY_B);
  }

  @Test
  void allowListNamesEveryEntryThatIsNotAFingerprint() {
    String tooShort = KEY_A.substring(1);
    ConfigException e = failure(ConfigLoader.create()
        .override("alerts.key.allow.list", KEY_A + ",sk-abcd," + tooShort, "--allow-keys"));

    assertThat(e.problems()).hasSize(1);
    assertThat(e.problems().get(0))
        .startsWith("invalid value '" + KEY_A + ",sk-abcd," + tooShort
            + "' for alerts.key.allow.list (flag --allow-keys)")
        .contains("exactly 32 hex characters")
        .endsWith("not valid: 'sk-abcd' (7 characters), '" + tooShort + "' (31 characters)");
  }
}
