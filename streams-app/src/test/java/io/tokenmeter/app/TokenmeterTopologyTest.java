package io.tokenmeter.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.config.KafkaSettings;
import io.tokenmeter.cost.Pricing;
import io.tokenmeter.rollup.RollupStores;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

class TokenmeterTopologyTest {

  private static final Pricing NONE = new Pricing() {
    @Override
    public String version() {
      return "none";
    }

    @Override
    public OptionalLong costMicros(io.tokenmeter.schemas.LlmCallEvent event) {
      return OptionalLong.empty();
    }
  };

  @Test
  void
      oneSubTopologyReadsTheCallsAndItsOwnRepartitionTopicIntoOneCountNodeSoStateStaysPartitionLocal() {
    TopologyDescription d = TokenmeterTopology.build(
            StreamsPropertiesTest.config(
                KafkaSettings.ProcessingGuarantee.EXACTLY_ONCE_V2, Map.of()),
            NONE)
        .describe();

    assertThat(d.subtopologies()).hasSize(1);
    String text = d.toString();
    assertThat(text)
        .contains("Source: calls (topics: [llm.calls])")
        .contains("Source: rekeyed-repartition-source (topics: [rekeyed-repartition])")
        .contains(
            "Processor: by-org-project (stores: [])\n      --> count\n      <-- decode, rekeyed-repartition-source")
        .contains("Sink: rollups (topic: llm.rollups.1m)")
        .contains("Sink: dead-letters (topic: llm.calls.dlq)");
    // Every per-call step runs in the one count node, on the state of its partition.
    String count = text.substring(text.indexOf("Processor: count (stores: ["));
    assertThat(count.substring(0, count.indexOf(']')))
        .contains(
            RollupStores.DEDUP,
            RollupStores.WINDOWS,
            RollupStores.CLOCK,
            RollupStores.TENANT_VALUES,
            "alert-rate-limit",
            "alert-error-windows-local");
    assertThat(text)
        .contains("Sink: rollups (topic: llm.rollups.1m)")
        .contains("Sink: dead-letters (topic: llm.calls.dlq)");
  }
}
