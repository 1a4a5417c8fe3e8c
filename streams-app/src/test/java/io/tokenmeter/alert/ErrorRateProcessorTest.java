package io.tokenmeter.alert;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerdes;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scope's side of the error-rate repartition: parts of a minute from several partitions are
 * summed, and the minute is evaluated once, when parts a minute + settle later have arrived.
 */
class ErrorRateProcessorTest {

  private static final ErrorRateScope SEARCH = ErrorRateScope.forService("gpt-4o", "search");
  private static final ErrorRateScope BILLING = ErrorRateScope.forService("gpt-4o", "billing");
  private static final AlertSettings SETTINGS = new AlertSettings(
      0.8, 0.95, 2, List.of(), new AlertSettings.ErrorRate(20, 3.0, 0.05, 0.2), Set.of());

  private final TopologyTestDriver driver;
  private final TestInputTopic<String, ScopedErrorWindow> parts;
  private final TestOutputTopic<String, Alert> alerts;

  ErrorRateProcessorTest() throws Exception {
    Topology topology = new Topology();
    topology.addSource(
        "parts", Serdes.String().deserializer(), ScopedErrorWindow.serde().deserializer(), "parts");
    topology.addProcessor(
        "error-rate",
        ErrorRateProcessor.supplier(
            SETTINGS,
            Duration.ofMinutes(2),
            Duration.ofSeconds(1),
            Clock.fixed(at("10:30"), ZoneOffset.UTC)),
        "parts");
    topology.addSink(
        "alerts",
        "alerts",
        Serdes.String().serializer(),
        AvroSerdes.of(Alert.class, AvroSerdeConfig.withoutRegistry()).serializer(),
        "error-rate");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "error-rate-processor-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(
        StreamsConfig.STATE_DIR_CONFIG,
        Files.createTempDirectory("error-rate-processor-").toString());
    driver = new TopologyTestDriver(topology, props, at("10:00"));
    parts = driver.createInputTopic(
        "parts", new StringSerializer(), ScopedErrorWindow.serde().serializer());
    alerts = driver.createOutputTopic(
        "alerts",
        new StringDeserializer(),
        new AvroDeserializer<>(Alert.class, AvroSerdeConfig.withoutRegistry()));
  }

  @AfterEach
  void close() {
    driver.close();
  }

  private static Instant at(String hhmm) {
    return Instant.parse("2026-11-27T" + hhmm + ":00Z");
  }

  /** One partition's part of a scope's minute. */
  private void part(ErrorRateScope scope, String minute, long requests, long serverErrors) {
    Instant start = at(minute);
    ErrorWindow window = new ErrorWindow(
        start,
        start.plusSeconds(60),
        requests,
        serverErrors == 0 ? Map.of() : Map.of(ErrorClass.SERVER, serverErrors));
    parts.pipeInput(scope.storeKey(), new ScopedErrorWindow(scope, window), start);
  }

  @Test
  void aSlowerPartitionsPartStillCountsUntilTheMinuteHasSettled() {
    part(SEARCH, "10:00", 20, 0);
    part(BILLING, "10:01", 5, 0);
    // A partition a minute behind sends its part of 10:00 now: 10 more requests, all failed.
    part(SEARCH, "10:00", 10, 10);
    assertThat(alerts.readRecordsToList()).isEmpty();

    part(BILLING, "10:02", 5, 0);

    List<Alert> out = alerts.readValuesToList();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).getDedupKey()).isEqualTo("error_rate:server:gpt-4o:service=search");
    assertThat(out.get(0).getState()).isEqualTo(AlertState.FIRING);
    assertThat(out.get(0).getObservedValue()).isEqualTo(10.0 / 30);
    assertThat(out.get(0).getDetails()).containsEntry("requests", "30");
  }

  @Test
  void aPartOfAMinuteAlreadyEvaluatedIsDroppedNotCountedIntoALaterOne() {
    part(SEARCH, "10:00", 20, 0);
    part(BILLING, "10:02", 5, 0);
    part(SEARCH, "10:00", 20, 20);
    part(BILLING, "10:05", 5, 0);

    assertThat(alerts.readRecordsToList()).isEmpty();
  }

  @Test
  void aFiringScopeThatFallsSilentResolvesAsOtherScopesMoveTime() {
    part(SEARCH, "10:00", 20, 10);
    part(BILLING, "10:02", 5, 0);
    assertThat(alerts.readValuesToList())
        .extracting(Alert::getState)
        .containsExactly(AlertState.FIRING);

    part(BILLING, "10:03", 5, 0);
    assertThat(alerts.readRecordsToList()).isEmpty();
    part(BILLING, "10:04", 5, 0);
    assertThat(alerts.readValuesToList())
        .extracting(Alert::getDedupKey, Alert::getState)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(
            "error_rate:server:gpt-4o:service=search", AlertState.RESOLVED));
  }
}
