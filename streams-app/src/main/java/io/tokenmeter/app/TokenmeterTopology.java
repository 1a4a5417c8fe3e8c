package io.tokenmeter.app;

import io.tokenmeter.alert.AlertTopology;
import io.tokenmeter.config.ConnectSettings;
import io.tokenmeter.config.RollupSettings;
import io.tokenmeter.config.TokenmeterConfig;
import io.tokenmeter.config.TopicSettings;
import io.tokenmeter.connect.AlertConnectJson;
import io.tokenmeter.connect.RollupConnectJson;
import io.tokenmeter.cost.Pricing;
import io.tokenmeter.query.QueryStores;
import io.tokenmeter.rollup.Call;
import io.tokenmeter.rollup.CallSerde;
import io.tokenmeter.rollup.CountProcessor;
import io.tokenmeter.rollup.DeadLetterProcessor;
import io.tokenmeter.rollup.DecodeProcessor;
import io.tokenmeter.rollup.RollupStores;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.UsageRollup;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerdes;
import java.time.Clock;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;

/**
 * The whole data flow of the streams app, on one page:
 *
 * <pre>
 * calls (bytes) → decode ─┬─ malformed/invalid/future ────────────────────────────┐
 *                         ├─ keyed as the SDK keys it ──┐                          │
 *                         └─ mis-keyed → repartition ───┴→ count ─┬─ late ─────────┴→ dead-letters
 *                                                                 ├→ final rollups → rollups
 *                                                                 └→ alert outputs → alerts (AlertTopology)
 *
 * count: per call, in one node and on the heap: late check → deduplicate → fold dimensions →
 *        minute window (priced, sketched) → alert call steps (rate limit, error counts, key suspects)
 * final rollups → query-rollups, alerts → query-open-alerts (state for the query API)
 * with connect.json.enabled: final rollups → rollups-connect, alerts → alerts-connect (Connect JSON)
 * </pre>
 */
public final class TokenmeterTopology {

  private TokenmeterTopology() {}

  public static Topology build(TokenmeterConfig config, Pricing pricing) {
    TopicSettings topics = config.topics();
    RollupSettings rollup = config.rollup();
    AvroSerdeConfig avro = avroSerdeConfig(config);
    Clock clock = Clock.systemUTC();
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(RollupStores.dedup());
    builder.addStateStore(RollupStores.windows());
    builder.addStateStore(RollupStores.clock());
    builder.addStateStore(RollupStores.tenantValues());
    builder.addStateStore(QueryStores.rollups());
    builder.addStateStore(QueryStores.openAlerts());

    // The decoder sends each call to one child by name (DecodeProcessor.REJECTED, KEYED,
    // MIS_KEYED).
    KStream<String, Call> decoded = builder.stream(
            topics.calls(),
            Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("calls"))
        .process(DecodeProcessor.supplier(avro, rollup.futureTolerance()), Named.as("decode"));

    // A producer that keys by anything but org/project would split one rollup across partitions.
    KStream<String, Call> rekeyed = decoded
        .selectKey((key, call) -> call.expectedKey(), Named.as(DecodeProcessor.MIS_KEYED))
        .repartition(Repartitioned.with(Serdes.String(), new CallSerde(avro)).withName("rekeyed"));

    // The count sends each output to one child by name (CountProcessor.LATE, ROLLUPS, and the alert
    // steps').
    KStream<String, Object> counted = decoded
        .merge(rekeyed, Named.as(DecodeProcessor.KEYED))
        .process(
            CountProcessor.supplier(
                rollup, pricing, List.of(AlertTopology.callSteps(config, clock))),
            Named.as("count"),
            CountProcessor.storeNames());
    KStream<String, UsageRollup> rollups =
        counted.mapValues(v -> (UsageRollup) v, Named.as(CountProcessor.ROLLUPS));
    rollups.to(
        topics.rollups(),
        Produced.with(Serdes.String(), AvroSerdes.of(UsageRollup.class, avro)).withName("rollups"));

    KStream<String, Alert> alerts = AlertTopology.attach(counted, rollups, config, avro, clock);
    attachQueryStores(rollups, alerts, config);
    if (config.connect().jsonEnabled()) {
      attachConnectCopies(rollups, alerts, config.connect());
    }

    decoded
        .merge(
            counted.mapValues(v -> (Call) v, Named.as(CountProcessor.LATE)),
            Named.as(DecodeProcessor.REJECTED))
        .process(DeadLetterProcessor.supplier(), Named.as("dead-letter"))
        .to(
            topics.deadLetter(),
            Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("dead-letters"));

    return builder.build();
  }

  /**
   * What the query API reads, kept in the tasks that emit it: the last {@code query.retention} of
   * final rollups, and the alerts now firing.
   */
  static void attachQueryStores(
      KStream<String, UsageRollup> rollups,
      KStream<String, Alert> alerts,
      TokenmeterConfig config) {
    rollups.process(
        QueryStores.keepRollups(config.query().retention()),
        Named.as("query-keep-rollups"),
        QueryStores.ROLLUPS);
    alerts.process(
        QueryStores.keepOpenAlerts(), Named.as("query-keep-open-alerts"), QueryStores.OPEN_ALERTS);
  }

  /**
   * The same final rollups and alert changes again, as Connect JSON with schema for the JDBC sink
   * to PostgreSQL, under the same keys. Same tasks, so under exactly-once the copies commit in the
   * transaction of the originals.
   */
  static void attachConnectCopies(
      KStream<String, UsageRollup> rollups,
      KStream<String, Alert> alerts,
      ConnectSettings connect) {
    rollups
        .mapValues(RollupConnectJson::toJson, Named.as("rollups-as-connect-json"))
        .to(
            connect.rollupsTopic(),
            Produced.with(Serdes.String(), Serdes.ByteArray()).withName("rollups-connect"));
    alerts
        .mapValues(AlertConnectJson::toJson, Named.as("alerts-as-connect-json"))
        .to(
            connect.alertsTopic(),
            Produced.with(Serdes.String(), Serdes.ByteArray()).withName("alerts-connect"));
  }

  static AvroSerdeConfig avroSerdeConfig(TokenmeterConfig config) {
    return config
        .kafka()
        .schemaRegistryUrl()
        .filter(url -> !url.isBlank())
        .map(AvroSerdeConfig::withRegistry)
        .orElseGet(AvroSerdeConfig::withoutRegistry);
  }
}
