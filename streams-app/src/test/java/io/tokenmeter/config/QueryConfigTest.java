package io.tokenmeter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QueryConfigTest {

  @Test
  void retentionDefaultsToSixHoursAndNoAdvertisedUrl() {
    TokenmeterConfig config = TokenmeterConfig.defaults();
    assertThat(config.query().retention()).isEqualTo(Duration.ofHours(6));
    assertThat(config.http().advertisedUrl()).isEmpty();
  }

  @Test
  void bothKeysLoadFromTheEnvironment() {
    TokenmeterConfig config = TokenmeterConfig.load(
        Optional.empty(),
        Map.of(
            "TOKENMETER_QUERY_RETENTION", "90m",
            "TOKENMETER_HTTP_ADVERTISED_URL", "http://app-2.tokenmeter:8080"),
        Map.of());
    assertThat(config.query().retention()).isEqualTo(Duration.ofMinutes(90));
    assertThat(config.http().advertisedUrl()).contains("http://app-2.tokenmeter:8080");
  }

  @Test
  void aZeroRetentionOrAnUrlWithoutHostIsRefusedNamingTheKey() {
    assertThatThrownBy(() ->
            TokenmeterConfig.load(Optional.empty(), Map.of(), Map.of("query.retention", "0s")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("query.retention");
    assertThatThrownBy(() -> TokenmeterConfig.load(
            Optional.empty(), Map.of(), Map.of("http.advertised.url", "app-2:8080")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.advertised.url");
  }
}
