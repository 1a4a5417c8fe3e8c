package io.tokenmeter.connect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenmeter.app.StreamsProperties;
import io.tokenmeter.app.TokenmeterTopology;
import io.tokenmeter.config.ConfigLoader;
import io.tokenmeter.config.TokenmeterConfig;
import io.tokenmeter.cost.Pricing;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.CallEventKeys;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.SdkInfo;
import io.tokenmeter.schemas.UsageRollup;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerializer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With {@code connect.json.enabled}, every final rollup and alert change is copied as Connect JSON. */
class ConnectCopiesTopologyTest {

  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** gpt-4o costs 1 micro-dollar per token; every other model is unpriced. */
  private static final Pricing PRICING = new Pricing() {
    @Override
    public String version() {
      return "test";
    }

    @Override
    public OptionalLong costMicros(LlmCallEvent e) {
      return e.getRequestModel().equals("gpt-4o")
          ? OptionalLong.of(e.getInputTokens() + e.getOutputTokens())
          : OptionalLong.empty();
    }
  };

  @TempDir
  Path stateDir;

  @Test
  void eachFinalRollupAndAlertChangeIsCopiedOnceUnderTheSameKey() throws Exception {
    TokenmeterConfig config = config("true");
    // The wall clock stands at the last call's time: no call lies ahead of it
    // (rollup.future.tolerance).
    try (TopologyTestDriver driver = new TopologyTestDriver(
        TokenmeterTopology.build(config, PRICING),
        StreamsProperties.of(config),
        T0.plusSeconds(95))) {
      TestInputTopic<String, LlmCallEvent> calls = driver.createInputTopic(
          "llm.calls",
          new StringSerializer(),
          new AvroSerializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry()));
      for (KeyValue<String, LlmCallEvent> call : List.of(
          call("e1", T0.plusSeconds(1), "gpt-4o"),
          call("e2", T0.plusSeconds(2), "llama-3"),
          call("e3", T0.plusSeconds(3), "gpt-4o"),
          // Closes the 10:00 window (grace 30 s).
          call("e4", T0.plusSeconds(95), "gpt-4o"))) {
        calls.pipeInput(call.key, call.value, call.value.getTimestamp());
      }

      List<KeyValue<String, UsageRollup>> rollups = driver
          .createOutputTopic(
              "llm.rollups.1m",
              new StringDeserializer(),
              new AvroDeserializer<>(UsageRollup.class, AvroSerdeConfig.withoutRegistry()))
          .readKeyValuesToList();
      List<KeyValue<String, Alert>> alerts = driver
          .createOutputTopic(
              "llm.alerts",
              new StringDeserializer(),
              new AvroDeserializer<>(Alert.class, AvroSerdeConfig.withoutRegistry()))
          .readKeyValuesToList();
      List<KeyValue<String, byte[]>> rollupCopies = driver
          .createOutputTopic(
              "llm.rollups.1m.connect", new StringDeserializer(), new ByteArrayDeserializer())
          .readKeyValuesToList();
      List<KeyValue<String, byte[]>> alertCopies = driver
          .createOutputTopic(
              "llm.alerts.connect", new StringDeserializer(), new ByteArrayDeserializer())
          .readKeyValuesToList();

      assertThat(rollups).hasSize(2);
      assertThat(rollupCopies)
          .extracting(kv -> kv.key)
          .containsExactlyElementsOf(rollups.stream().map(kv -> kv.key).toList());
      for (int i = 0; i < rollups.size(); i++) {
        assertThat(rollupCopies.get(i).value)
            .isEqualTo(RollupConnectJson.toJson(rollups.get(i).value));
      }
      JsonNode gpt4o = JSON.readTree(rollupCopies.stream()
          .filter(kv -> kv.key.contains("|gpt-4o|"))
          .findFirst()
          .orElseThrow()
          .value);
      assertThat(gpt4o.at("/payload/requests").asLong()).isEqualTo(2);
      assertThat(gpt4o.at("/payload/cost_micros").asLong()).isEqualTo(2 * 110);
      assertThat(gpt4o.at("/payload/window_start").asLong()).isEqualTo(T0.toEpochMilli());

      assertThat(alerts).extracting(kv -> kv.key).containsExactly("unpriced_model:llama-3");
      assertThat(alertCopies).extracting(kv -> kv.key).containsExactly("unpriced_model:llama-3");
      assertThat(alertCopies.get(0).value).isEqualTo(AlertConnectJson.toJson(alerts.get(0).value));
    }
  }

  @Test
  void withoutTheSwitchNothingIsCopied() throws Exception {
    TokenmeterConfig config = config("false");

    String topology = TokenmeterTopology.build(config, PRICING).describe().toString();

    assertThat(topology)
        .doesNotContain("llm.rollups.1m.connect")
        .doesNotContain("llm.alerts.connect");
  }

  private TokenmeterConfig config(String enabled) throws Exception {
    return ConfigLoader.create()
        .override("connect.json.enabled", enabled)
        .override(
            "kafka.state.dir", Files.createTempDirectory(stateDir, "state").toString())
        .override("rollup.grace", "30s")
        .override("http.enabled", "false")
        .load();
  }

  private static KeyValue<String, LlmCallEvent> call(String id, Instant at, String model) {
    LlmCallEvent e = LlmCallEvent.newBuilder()
        .setEventId(id)
        .setTimestamp(at)
        .setSdk(new SdkInfo("test", "1"))
        .setService("checkout")
        .setEnvironment("test")
        .setOrgId("org-1")
        .setProjectId("proj-1")
        .setApiKeyFingerprint("a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1")
        .setProvider("openai")
        .setOperation("chat")
        .setRequestModel(model)
        .setInputTokens(100L)
        .setOutputTokens(10L)
        .setDurationMs(200L)
        .setStatusCode(200)
        .build();
    return KeyValue.pair(CallEventKeys.of(e), e);
  }
}
