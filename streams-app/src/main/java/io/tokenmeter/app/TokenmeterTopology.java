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
import io.tokenmeter.rollup.DeadLetterProcessor;
import io.tokenmeter.rollup.DecodeProcessor;
import io.tokenmeter.rollup.DeduplicateProcessor;
import io.tokenmeter.rollup.FoldDimensionsProcessor;
import io.tokenmeter.rollup.MinuteRollupProcessor;
import io.tokenmeter.rollup.RejectLateProcessor;
import io.tokenmeter.rollup.RollupStores;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.UsageRollup;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerdes;
import java.time.Clock;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;

/**
 * The whole data flow of the streams app, on one page:
 *
 * <pre>
 * calls (bytes) → decode ─┬─ malformed/invalid/future ──────────────────────┐
 *                         ├─ keyed as the SDK keys it ──┐                    │
 *                         └─ mis-keyed → repartition ───┴→ reject-late ─┬─ late ─┴→ dead-letters
 *                                                                      └→ deduplicate → fold-dimensions
 *                                                                          │    → minute-rollup → rollups
 *                                                                          │            │ final rollups
 *                                                             accepted calls└→ alerts ←─┘ (AlertTopology)
 *
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
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(RollupStores.dedup());
    builder.addStateStore(RollupStores.windows());
    builder.addStateStore(RollupStores.clock());
    builder.addStateStore(RollupStores.tenantValues());
    builder.addStateStore(QueryStores.rollups());
    builder.addStateStore(QueryStores.openAlerts());

    Map<String, KStream<String, Call>> decoded = builder
        .stream(topics.calls(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("calls"))
        .process(DecodeProcessor.supplier(avro, rollup.futureTolerance()), Named.as("decode"))
        .split(Named.as("decoded-"))
        .branch((key, call) -> call.isDeadLetter(), Branched.as("rejected"))
        .branch((key, call) -> call.isKeyedAsExpected(key), Branched.as("keyed"))
        .defaultBranch(Branched.as("mis-keyed"));

    // A producer that keys by anything but org/project would split one rollup across partitions.
    KStream<String, Call> rekeyed = decoded.get("decoded-mis-keyed")
        .selectKey((key, call) -> call.expectedKey(), Named.as("expected-key"))
        .repartition(Repartitioned.with(Serdes.String(), new CallSerde(avro)).withName("rekeyed"));

    Map<String, KStream<String, Call>> timely = decoded.get("decoded-keyed")
        .merge(rekeyed, Named.as("by-org-project"))
        .process(RejectLateProcessor.supplier(rollup.grace()), Named.as("reject-late"), RollupStores.CLOCK)
        .split(Named.as("timely-"))
        .branch((key, call) -> call.isDeadLetter(), Branched.as("late"))
        .defaultBranch(Branched.as("on-time"));

    KStream<String, Call> accepted = timely.get("timely-on-time")
        .process(DeduplicateProcessor.supplier(rollup.dedupHorizon(), rollup.closeCheckInterval()), Named.as("deduplicate"),
            RollupStores.DEDUP, RollupStores.CLOCK);
    KStream<String, UsageRollup> rollups = accepted
        .process(FoldDimensionsProcessor.supplier(rollup), Named.as("fold-dimensions"), RollupStores.TENANT_VALUES)
        .process(MinuteRollupProcessor.supplier(rollup.grace(), rollup.closeCheckInterval(), pricing), Named.as("minute-rollup"), RollupStores.WINDOWS, RollupStores.CLOCK);
    rollups.to(topics.rollups(), Produced.with(Serdes.String(), AvroSerdes.of(UsageRollup.class, avro)).withName("rollups"));

    KStream<String, Alert> alerts = attachAlerts(accepted, rollups, config, avro);
    attachQueryStores(rollups, alerts, config);
    if (config.connect().jsonEnabled()) {
      attachConnectCopies(rollups, alerts, config.connect());
    }

    decoded.get("decoded-rejected")
        .merge(timely.get("timely-late"), Named.as("rejected-or-late"))
        .process(DeadLetterProcessor.supplier(), Named.as("dead-letter"))
        .to(topics.deadLetter(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("dead-letters"));

    return builder.build();
  }

  /**
   * The alert detectors read the accepted calls (on time, deduplicated) and the final rollups, and
   * write FIRING/RESOLVED changes to {@code topics.alerts}; {@link AlertTopology} shows how.
   */
  static KStream<String, Alert> attachAlerts(KStream<String, Call> accepted, KStream<String, UsageRollup> rollups,
      TokenmeterConfig config, AvroSerdeConfig avro) {
    return AlertTopology.attach(accepted.mapValues(Call::event, Named.as("accepted-events")), rollups, config, avro, Clock.systemUTC());
  }

  /**
   * What the query API reads, kept in the tasks that emit it: the last {@code query.retention} of
   * final rollups, and the alerts now firing.
   */
  static void attachQueryStores(KStream<String, UsageRollup> rollups, KStream<String, Alert> alerts,
      TokenmeterConfig config) {
    rollups.process(QueryStores.keepRollups(config.query().retention()), Named.as("query-keep-rollups"),
        QueryStores.ROLLUPS);
    alerts.process(QueryStores.keepOpenAlerts(), Named.as("query-keep-open-alerts"), QueryStores.OPEN_ALERTS);
  }

  /**
   * The same final rollups and alert changes again, as Connect JSON with schema for the JDBC sink
   * to PostgreSQL, under the same keys. Same tasks, so under exactly-once the copies commit in the
   * transaction of the originals.
   */
  static void attachConnectCopies(KStream<String, UsageRollup> rollups, KStream<String, Alert> alerts,
      ConnectSettings connect) {
    rollups.mapValues(RollupConnectJson::toJson, Named.as("rollups-as-connect-json"))
        .to(connect.rollupsTopic(), Produced.with(Serdes.String(), Serdes.ByteArray()).withName("rollups-connect"));
    alerts.mapValues(AlertConnectJson::toJson, Named.as("alerts-as-connect-json"))
        .to(connect.alertsTopic(), Produced.with(Serdes.String(), Serdes.ByteArray()).withName("alerts-connect"));
  }

  static AvroSerdeConfig avroSerdeConfig(TokenmeterConfig config) {
    return config.kafka().schemaRegistryUrl()
        .filter(url -> !url.isBlank())
        .map(AvroSerdeConfig::withRegistry)
        .orElseGet(AvroSerdeConfig::withoutRegistry);
  }
}
