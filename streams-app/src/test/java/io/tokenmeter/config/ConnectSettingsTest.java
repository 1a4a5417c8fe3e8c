package io.tokenmeter.config;

import static io.tokenmeter.config.ConfigFixtures.failure;
import static io.tokenmeter.config.ConfigFixtures.failureFromEnv;
import static io.tokenmeter.config.ConfigFixtures.fromEnv;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ConnectSettingsTest {

  @Test
  void theConnectCopiesAreOffByDefault() {
    assertThat(TokenmeterConfig.defaults().connect()).isEqualTo(ConnectSettings.disabled());
    assertThat(ConnectSettings.disabled())
        .isEqualTo(new ConnectSettings(false, "llm.rollups.1m.connect", "llm.alerts.connect"));
  }

  @Test
  void environmentVariablesOfTheConnectNamespaceAreRead() {
    TokenmeterConfig config = fromEnv(Map.of(
        "TOKENMETER_CONNECT_JSON_ENABLED", "TRUE",
        "TOKENMETER_TOPICS_ROLLUPS_CONNECT", "pg.rollups",
        "TOKENMETER_TOPICS_ALERTS_CONNECT", "pg.alerts"));

    assertThat(config.connect()).isEqualTo(new ConnectSettings(true, "pg.rollups", "pg.alerts"));
    assertThat(config.describe())
        .contains("connect.json.enabled = true", "topics.rollups.connect = pg.rollups");
  }

  @Test
  void aBadSwitchOrAMisspeltKeyNamesTheKey() {
    assertThat(failureFromEnv("TOKENMETER_CONNECT_JSON_ENABLED", "yes").problems())
        .singleElement()
        .asString()
        .contains("connect.json.enabled", "TOKENMETER_CONNECT_JSON_ENABLED");
    assertThat(failureFromEnv("TOKENMETER_CONNECT_JSON_ENABLE", "true").problems())
        .singleElement()
        .asString()
        .contains("did you mean 'connect.json.enabled'");
  }

  @Test
  void aConnectCopyMayNotShareATopicWithTheAvroOutput() {
    ConfigException e =
        failure(ConfigLoader.create().override("topics.rollups.connect", "llm.rollups.1m"));

    assertThat(e.problems())
        .singleElement()
        .asString()
        .contains("topics.rollups", "topics.rollups.connect", "name the same topic");
  }
}
