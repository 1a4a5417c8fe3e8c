package io.tokenmeter.alert;

import static io.tokenmeter.alert.Events.NOW;
import static io.tokenmeter.alert.Events.at;
import static io.tokenmeter.alert.Events.call;
import static io.tokenmeter.alert.Events.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.config.AlertSettings.RateLimit;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.UsageRollup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlertProcessorsTest {

  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final Duration GRACE = Duration.ofSeconds(30);
  private static final AlertSettings SETTINGS =
      settings(List.of(new RateLimit("org-1", null, "gpt-4o", 100L, null)), Set.of("fp-allowed"));

  private static <T extends SpecificRecordBase> Serializer<T> avro() {
    return (topic, value) -> {
      try {
        ByteBuffer buffer =
            (ByteBuffer) value.getClass().getMethod("toByteBuffer").invoke(value);
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    };
  }

  private static final Deserializer<Alert> ALERTS = (topic, data) -> {
    try {
      return Alert.fromByteBuffer(ByteBuffer.wrap(data));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  };

  private static <V> Topology topology(
      ProcessorSupplier<String, V, String, Alert> supplier, Deserializer<V> values) {
    Topology topology = new Topology();
    topology.addSource("in", Serdes.String().deserializer(), values, "in");
    topology.addProcessor("detector", supplier, "in");
    topology.addSink("out", "llm.alerts", Serdes.String().serializer(), avro(), "detector");
    return topology;
  }

  @TempDir
  Path stateDir;

  private Properties props() {
    Properties props = new Properties();
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "alerts-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    return props;
  }

  @Test
  void rateLimitFiresOnceAndAQuietScopeResolvesByStreamTime() {
    Topology topology =
        topology(AlertProcessors.<String>rateLimit(SETTINGS, GRACE, CLOCK), callDeserializer());
    try (TopologyTestDriver driver = new TopologyTestDriver(topology, props())) {
      TestInputTopic<String, LlmCallEvent> in =
          driver.createInputTopic("in", Serdes.String().serializer(), avro());
      TestOutputTopic<String, Alert> out =
          driver.createOutputTopic("llm.alerts", Serdes.String().deserializer(), ALERTS);

      for (int i = 0; i < 90; i++) {
        LlmCallEvent e = call(at(0, i % 60)).build();
        in.pipeInput("k", e, e.getTimestamp());
      }
      var firing = out.readKeyValuesToList();
      assertThat(firing).hasSize(1);
      assertThat(firing.get(0).key).isEqualTo("rate_limit_requests:org-1/proj-a:gpt-4o");
      assertThat(firing.get(0).value.getState()).isEqualTo(AlertState.FIRING);
      assertThat(firing.get(0).value.getEmittedAt()).isEqualTo(NOW);

      // Another scope's traffic moves stream time on; the punctuator closes the quiet scope's
      // minutes.
      LlmCallEvent other = call(at(3, 31)).setOrgId("org-2").build();
      in.pipeInput("k", other, other.getTimestamp());

      var resolved = out.readKeyValuesToList();
      assertThat(resolved).hasSize(1);
      assertThat(resolved.get(0).key).isEqualTo("rate_limit_requests:org-1/proj-a:gpt-4o");
      assertThat(resolved.get(0).value.getState()).isEqualTo(AlertState.RESOLVED);
      KeyValueStore<String, RateLimitState> store =
          driver.getKeyValueStore(AlertProcessors.RATE_LIMIT_STORE);
      assertThat(store
              .get(new RateLimitScope("org-1", "proj-a", "gpt-4o").storeKey())
              .firing())
          .isFalse();
    }
  }

  @Test
  void whenAllTrafficStopsTheWallClockResolvesTheQuietScopeOnceItHasBeenIdleLongEnough() {
    Topology topology =
        topology(AlertProcessors.<String>rateLimit(SETTINGS, GRACE, CLOCK), callDeserializer());
    try (TopologyTestDriver driver = new TopologyTestDriver(topology, props(), at(0, 0))) {
      TestInputTopic<String, LlmCallEvent> in =
          driver.createInputTopic("in", Serdes.String().serializer(), avro());
      TestOutputTopic<String, Alert> out =
          driver.createOutputTopic("llm.alerts", Serdes.String().deserializer(), ALERTS);
      for (int i = 0; i < 90; i++) {
        LlmCallEvent e = call(at(0, i % 60)).build();
        in.pipeInput("k", e, e.getTimestamp());
      }
      assertThat(out.readValuesToList())
          .extracting(Alert::getState)
          .containsExactly(AlertState.FIRING);

      // No more calls anywhere. Idle for less than grace plus a minute: nothing closes yet.
      driver.advanceWallClockTime(Duration.ofMinutes(1));
      assertThat(out.readValuesToList()).isEmpty();

      // Idle long enough for the minutes after the surge to count as calm.
      driver.advanceWallClockTime(Duration.ofMinutes(4));
      assertThat(out.readValuesToList())
          .extracting(Alert::getState)
          .containsExactly(AlertState.RESOLVED);
    }
  }

  @Test
  void unauthorizedKeyStateIsDeletedOnceResolved() {
    Topology topology = topology(
        AlertProcessors.<String>unauthorizedKey(SETTINGS, GRACE, CLOCK), callDeserializer());
    try (TopologyTestDriver driver = new TopologyTestDriver(topology, props())) {
      TestInputTopic<String, LlmCallEvent> in =
          driver.createInputTopic("in", Serdes.String().serializer(), avro());
      TestOutputTopic<String, Alert> out =
          driver.createOutputTopic("llm.alerts", Serdes.String().deserializer(), ALERTS);
      KeyValueStore<String, UnauthorizedKeyState> store =
          driver.getKeyValueStore(AlertProcessors.UNAUTHORIZED_KEY_STORE);

      LlmCallEvent denied =
          call(at(0, 5)).setStatusCode(401).setErrorType("auth").build();
      in.pipeInput("k", denied, denied.getTimestamp());
      assertThat(out.readValuesToList())
          .extracting(Alert::getAlertType)
          .containsExactlyInAnyOrder("unauthorized_key", "key_not_allowed");
      assertThat(store.get("fp-0123456789abcdef")).isNotNull();

      LlmCallEvent allowed = call(at(4, 0)).setApiKeyFingerprint("fp-allowed").build();
      in.pipeInput("k", allowed, allowed.getTimestamp());

      assertThat(out.readValuesToList())
          .extracting(Alert::getState)
          .containsOnly(AlertState.RESOLVED)
          .hasSize(2);
      assertThat(store.get("fp-0123456789abcdef")).isNull();
    }
  }

  @Test
  void unpricedModelFromRollups() {
    Topology topology = topology(
        AlertProcessors.<String>unpricedModel(SETTINGS, GRACE, CLOCK), rollupDeserializer());
    try (TopologyTestDriver driver = new TopologyTestDriver(topology, props())) {
      TestInputTopic<String, UsageRollup> in =
          driver.createInputTopic("in", Serdes.String().serializer(), avro());
      TestOutputTopic<String, Alert> out =
          driver.createOutputTopic("llm.alerts", Serdes.String().deserializer(), ALERTS);

      for (int minute = 0; minute < 5; minute++) {
        UsageRollup rollup = rollup(minute, minute == 0 ? 7 : 0);
        in.pipeInput("k", rollup, rollup.getWindowEnd());
      }

      var alerts = out.readKeyValuesToList();
      assertThat(alerts).extracting(kv -> kv.key).containsOnly("unpriced_model:gpt-5-preview");
      assertThat(alerts)
          .extracting(kv -> kv.value.getState())
          .containsExactly(AlertState.FIRING, AlertState.RESOLVED);
    }
  }

  private static UsageRollup rollup(int minute, long unpriced) {
    return UsageRollup.newBuilder()
        .setWindowStart(at(minute, 0))
        .setWindowEnd(at(minute + 1, 0))
        .setModel("gpt-5-preview")
        .setOrgId("org-1")
        .setProjectId("")
        .setApiKeyFingerprint("fp")
        .setService("checkout")
        .setRequests(10)
        .setErrors(0)
        .setInputTokens(0)
        .setOutputTokens(0)
        .setCacheReadInputTokens(0)
        .setCacheCreationInputTokens(0)
        .setReasoningOutputTokens(0)
        .setRequestsWithoutUsage(0)
        .setUnpricedRequests(unpriced)
        .build();
  }

  private static Deserializer<LlmCallEvent> callDeserializer() {
    return (topic, data) -> {
      try {
        return LlmCallEvent.fromByteBuffer(ByteBuffer.wrap(data));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }

  private static Deserializer<UsageRollup> rollupDeserializer() {
    return (topic, data) -> {
      try {
        return UsageRollup.fromByteBuffer(ByteBuffer.wrap(data));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }
}
