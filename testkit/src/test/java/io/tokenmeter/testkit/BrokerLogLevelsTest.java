package io.tokenmeter.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BrokerLogLevelsTest {

  @Test
  void eachLoggerLevelPairBecomesAnSlf4jSimpleOption() {
    assertThat(KafkaBroker.loggerLevelOptions(
            " kafka.coordinator.transaction=debug , state.change.logger = info,"))
        .containsExactly(
            "-Dorg.slf4j.simpleLogger.log.kafka.coordinator.transaction=debug",
            "-Dorg.slf4j.simpleLogger.log.state.change.logger=info");
  }

  @Test
  void nothingSetMeansNoOptions() {
    assertThat(KafkaBroker.loggerLevelOptions("")).isEmpty();
  }

  @Test
  void aPairWithoutALevelNamesTheProperty() {
    assertThatThrownBy(() -> KafkaBroker.loggerLevelOptions("kafka.log"))
        .hasMessageContaining("tokenmeter.broker.log.levels")
        .hasMessageContaining("'kafka.log'");
  }
}
