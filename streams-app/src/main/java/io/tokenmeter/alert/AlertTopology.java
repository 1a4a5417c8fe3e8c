package io.tokenmeter.alert;

import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.config.RollupSettings;
import io.tokenmeter.config.TokenmeterConfig;
import io.tokenmeter.rollup.CallStep;
import io.tokenmeter.rollup.RollupStores;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.UsageRollup;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerdes;
import java.time.Clock;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;

/**
 * The alert half of the topology: every detector attached to the accepted calls or the final
 * rollups, all alerts merged into {@code topics.alerts}, keyed by dedup key.
 *
 * <pre>
 * count (each accepted call, inside the count node: {@link CallAlerts}) ─┬→ rate-limit ──────────┐
 *   ├→ key-suspects (auth error or off the allow-list), by fingerprint                          │
 *   │    → repartition alert-keys → unauthorized-key ──────────────────────────────────────────┤
 *   └→ error-windows (per scope and minute, in the partition)                                  ├→ alerts
 *        → repartition alert-error-windows → error-rate ───────────────────────────────────────┤
 * final rollups ─┬→ with unpriced → by model → repartition alert-rollups-by-model → unpriced-model ─┤
 *                └→ with folded (per tenant, in the partition) → dimension-folding ────────────────┘
 * </pre>
 *
 * <p>Rate limits are scoped by (org/project, model) and the input is keyed by org/project, so that
 * state is partition-local and is kept by the count node itself. A key fingerprint can call from
 * several org/projects, so its state lives after a repartition by fingerprint; only the calls that
 * can change it (auth errors, and keys off a non-empty allow-list) cross, which keeps the extra
 * traffic to what alerts anyway.
 */
public final class AlertTopology {

  private AlertTopology() {}

  /** What the count node does for alerts on each accepted call; its outputs are {@link #attach}ed. */
  public static CallStep.Factory callSteps(TokenmeterConfig config, Clock clock) {
    RollupSettings rollup = config.rollup();
    return CallAlerts.factory(config.alerts(), rollup.grace(), rollup.closeCheckInterval(), clock);
  }

  /**
   * Returns the merged alert stream, already written to {@code topics.alerts}, for other sinks to
   * reuse. {@code counted} is the count node's output, which carries {@link #callSteps}'s.
   */
  public static KStream<String, Alert> attach(
      KStream<String, Object> counted,
      KStream<String, UsageRollup> rollups,
      TokenmeterConfig config,
      AvroSerdeConfig avro,
      Clock clock) {
    AlertSettings settings = config.alerts();
    RollupSettings rollup = config.rollup();
    Duration grace = rollup.grace();

    KStream<String, Alert> rateLimit =
        counted.mapValues(v -> (Alert) v, Named.as(CallAlerts.RATE_LIMIT_ALERTS));

    KStream<String, Alert> keys = counted
        .mapValues(v -> (LlmCallEvent) v, Named.as(CallAlerts.KEY_SUSPECTS))
        .repartition(Repartitioned.with(Serdes.String(), AvroSerdes.of(LlmCallEvent.class, avro))
            .withName("alert-keys"))
        .process(
            AlertProcessors.<String>unauthorizedKey(settings, grace, clock, RollupStores.CLOCK),
            Named.as("unauthorized-key"),
            RollupStores.CLOCK);

    KStream<String, Alert> errorRate = counted
        .mapValues(v -> (ScopedErrorWindow) v, Named.as(CallAlerts.ERROR_WINDOWS))
        .repartition(Repartitioned.with(Serdes.String(), ScopedErrorWindow.serde())
            .withName("alert-error-windows"))
        .process(
            ErrorRateProcessor.supplier(settings, grace, rollup.closeCheckInterval(), clock),
            Named.as("error-rate"));
    // Only rollups with unpriced requests cross: the detector fires on those, and resolves on
    // minutes without any, which it closes on the event time the task counted (driven by the
    // calls of its partition, since this repartition feeds back into the same sub-topology) or,
    // once traffic stops, on the wall clock. Sending every rollup tripled the work of emitting a
    // window, which the pipeline benchmark showed as seconds of added rollup and alert latency.
    KStream<String, Alert> unpriced = rollups
        .filter((key, r) -> r.getUnpricedRequests() > 0, Named.as("with-unpriced"))
        .selectKey((key, r) -> r.getModel(), Named.as("by-model"))
        .repartition(Repartitioned.with(Serdes.String(), AvroSerdes.of(UsageRollup.class, avro))
            .withName("alert-rollups-by-model"))
        .process(
            AlertProcessors.<String>unpricedModel(settings, grace, clock, RollupStores.CLOCK),
            Named.as("unpriced-model"),
            RollupStores.CLOCK);

    // A rollup's org/project is the tenant the guard charged, and rollups stay in the partition of
    // their org/project: no repartition. Only rollups with folded events come, a few per tenant and
    // minute, never one per event.
    KStream<String, Alert> folding = rollups
        .filter((key, r) -> r.getFoldedEvents() > 0, Named.as("with-folded"))
        .process(
            AlertProcessors.<String>dimensionFolding(settings, grace, clock, RollupStores.CLOCK),
            Named.as("dimension-folding"),
            RollupStores.CLOCK);

    KStream<String, Alert> alerts = rateLimit
        .merge(keys, Named.as("rate-limit-and-keys"))
        .merge(errorRate, Named.as("and-error-rate"))
        .merge(unpriced, Named.as("and-unpriced"))
        .merge(folding, Named.as("all-alerts"));
    alerts.to(
        config.topics().alerts(),
        Produced.with(Serdes.String(), AvroSerdes.of(Alert.class, avro)).withName("alerts"));
    return alerts;
  }

  /** Whether the call can change an unauthorized-key state: the cheap filter before the repartition. */
  static boolean mayConcernKey(LlmCallEvent event, AlertSettings settings) {
    String fingerprint = event.getApiKeyFingerprint();
    if (fingerprint == null || fingerprint.isEmpty()) {
      return false;
    }
    return UnauthorizedKeyDetector.isAuthError(event)
        || (!settings.keyAllowList().isEmpty() && !settings.keyAllowList().contains(fingerprint));
  }
}
