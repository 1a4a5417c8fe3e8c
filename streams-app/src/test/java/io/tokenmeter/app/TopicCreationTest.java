package io.tokenmeter.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.config.ConnectSettings;
import io.tokenmeter.config.TopicSettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TopicCreationTest {

  private static final TopicSettings TOPICS = new TopicSettings(
      "llm.calls",
      "llm.rollups.1m",
      "llm.alerts",
      "llm.calls.dlq",
      6,
      (short) 1,
      Duration.ofDays(7),
      Duration.ofDays(30));

  @Test
  void theConnectCopiesAreCreatedOnlyWhenEnabledWithTheOutputRetention() {
    assertThat(TopicCreation.topics(TOPICS, ConnectSettings.disabled()))
        .containsOnlyKeys("llm.calls", "llm.rollups.1m", "llm.alerts", "llm.calls.dlq");

    assertThat(
            TopicCreation.topics(TOPICS, new ConnectSettings(true, "rollups.json", "alerts.json")))
        .containsEntry("rollups.json", Duration.ofDays(30))
        .containsEntry("alerts.json", Duration.ofDays(30))
        .hasSize(6);
  }
}
