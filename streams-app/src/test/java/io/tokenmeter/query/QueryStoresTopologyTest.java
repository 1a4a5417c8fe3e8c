package io.tokenmeter.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.cost.Pricing;
import io.tokenmeter.rollup.Calls;
import io.tokenmeter.rollup.RollupDriver;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.UsageRollup;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;

/** The query stores fill from the streams that emit rollups and alerts, and forget what they should. */
class QueryStoresTopologyTest {

  private static final Instant START = Instant.parse("2026-11-27T10:00:00Z");
  private static final Pricing PRICING = new Pricing() {
    @Override
    public String version() {
      return "test";
    }

    @Override
    public OptionalLong costMicros(LlmCallEvent event) {
      return OptionalLong.of(7);
    }
  };
  private static final AlertSettings ALERTS = new AlertSettings(
      0.8, 0.95, 2, List.of(), new AlertSettings.ErrorRate(20, 3.0, 0.05, 0.2), Set.of());

  @Test
  void finalRollupsLandInQueryRollupsAndExpireAfterTheRetention() {
    try (RollupDriver driver = new RollupDriver(
        RollupDriver.rollup(Duration.ofSeconds(10), Duration.ofHours(1), 1000),
        ALERTS,
        PRICING,
        START)) {
      driver.send(Calls.call(START.plusSeconds(1)).build());
      driver.send(Calls.call(START.plusSeconds(2)).setOrgId("org-2").build());
      driver.send(Calls.call(START.plusSeconds(61)).build());
      // Wall clock past the first window's end + grace, with no event for the grace period: it
      // closes.
      driver.advanceWallClock(Duration.ofSeconds(75));

      List<UsageRollup> kept = rows(driver.stateStore(QueryStores.ROLLUPS));
      assertThat(kept).extracting(r -> r.getOrgId()).containsExactlyInAnyOrder("org-1", "org-2");
      assertThat(kept).allSatisfy(r -> {
        assertThat(r.getWindowStart()).isEqualTo(START);
        assertThat(r.getRequests()).isEqualTo(1);
        assertThat(r.getCostMicros()).isEqualTo(7);
        assertThat(r.getLatencySketch()).as("kept for merged percentiles").isNotNull();
      });

      driver.advanceWallClock(Duration.ofMinutes(1));
      assertThat(rows(driver.stateStore(QueryStores.ROLLUPS))).hasSize(3);

      // Now 16:00:30: the 10:00 window started more than 6 h ago, the 10:01 one not yet.
      driver.advanceWallClock(Duration.ofHours(6).plusSeconds(30).minusSeconds(135));
      assertThat(rows(driver.stateStore(QueryStores.ROLLUPS)))
          .extracting(r -> r.getWindowStart())
          .containsExactly(START.plusSeconds(60));
      driver.advanceWallClock(Duration.ofMinutes(1));
      assertThat(rows(driver.stateStore(QueryStores.ROLLUPS))).isEmpty();
    }
  }

  @Test
  void aFiringAlertIsOpenUntilItResolvesAndTheLatestChangeIsKept() {
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(QueryStores.openAlerts());
    builder.stream("alerts", Consumed.with(Serdes.String(), Serdes.ByteArray()))
        .mapValues(RollupCodec::alert)
        .process(QueryStores.keepOpenAlerts(), QueryStores.OPEN_ALERTS);
    java.util.Properties props = new java.util.Properties();
    props.put("application.id", "query-open-alerts-test");
    props.put("bootstrap.servers", "unused:9092");
    try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
      TestInputTopic<String, byte[]> alerts = driver.createInputTopic(
          "alerts", Serdes.String().serializer(), Serdes.ByteArray().serializer());
      KeyValueStore<String, byte[]> open = driver.getKeyValueStore(QueryStores.OPEN_ALERTS);

      alerts.pipeInput("rl:a", RollupCodec.encode(alert("rl:a", AlertState.FIRING, "warning", 1)));
      alerts.pipeInput("rl:b", RollupCodec.encode(alert("rl:b", AlertState.FIRING, "warning", 2)));
      alerts.pipeInput("rl:a", RollupCodec.encode(alert("rl:a", AlertState.FIRING, "critical", 3)));
      assertThat(RollupCodec.alert(open.get("rl:a")).getSeverity()).isEqualTo("critical");
      assertThat(count(open)).isEqualTo(2);

      alerts.pipeInput(
          "rl:a", RollupCodec.encode(alert("rl:a", AlertState.RESOLVED, "critical", 4)));
      assertThat(open.get("rl:a")).isNull();
      assertThat(open.get("rl:b")).isNotNull();
    }
  }

  static Alert alert(String dedupKey, AlertState state, String severity, long emittedAtSecond) {
    return Alert.newBuilder()
        .setDedupKey(dedupKey)
        .setState(state)
        .setAlertType("rate_limit_requests")
        .setSeverity(severity)
        .setScope(Map.of("org_id", "org-1"))
        .setObservedValue(0.9)
        .setThreshold(0.8)
        .setWindowStart(START)
        .setWindowEnd(START.plusSeconds(60))
        .setSummary("s")
        .setEmittedAt(START.plusSeconds(emittedAtSecond))
        .setDetails(Map.of())
        .build();
  }

  private static int count(KeyValueStore<String, byte[]> store) {
    int n = 0;
    try (KeyValueIterator<String, byte[]> it = store.all()) {
      for (; it.hasNext(); it.next()) {
        n++;
      }
    }
    return n;
  }

  @SuppressWarnings("unchecked")
  private static List<UsageRollup> rows(org.apache.kafka.streams.processor.StateStore store) {
    try (KeyValueIterator<Bytes, byte[]> it =
        ((ReadOnlyKeyValueStore<Bytes, byte[]>) store).all()) {
      return RollupHistoryStore.rollups(it);
    }
  }
}
