package io.tokenmeter.alert;

import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.rollup.HeapKeyValueStore;
import io.tokenmeter.rollup.HeapStateStoreBuilder;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.UsageRollup;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * Ready-made Processor API processors for the event- and rollup-driven detectors. Each supplier
 * brings its own persistent key-value store, so {@code Topology.addProcessor} (or {@code
 * KStream.process}) connects it; outputs are alerts keyed by dedup key.
 *
 * <p>{@code grace} is how far behind event time a minute is final (the rollup's grace period);
 * {@code clock} stamps {@code emitted_at}. Event time is the highest timestamp of the processor's
 * input; inside the Tokenmeter topology the detectors with rare input also follow the event time
 * the task counted ({@link AlertTopology}). The error-rate detector needs per-scope window totals,
 * which the topology aggregates; it calls {@link ErrorRateDetector} itself.
 */
public final class AlertProcessors {

  public static final String RATE_LIMIT_STORE = "alert-rate-limit";
  public static final String UNAUTHORIZED_KEY_STORE = "alert-unauthorized-key";
  public static final String UNPRICED_MODEL_STORE = "alert-unpriced-model";
  public static final String DIMENSION_FOLDING_STORE = "alert-dimension-folding";

  private AlertProcessors() {}

  /** Rate-limit proximity from call events; store {@value #RATE_LIMIT_STORE}. */
  public static <K> ProcessorSupplier<K, LlmCallEvent, String, Alert> rateLimit(
      AlertSettings settings, Duration grace, Clock clock) {
    RateLimitDetector detector = new RateLimitDetector(settings);
    // Each processor gets its own key cache: a supplier's processors run on different threads.
    return detector(
        RATE_LIMIT_STORE,
        AlertStateSerdes.rateLimit(),
        () -> new RateLimitKeys()::of,
        detector::onEvent,
        detector::onTime,
        grace,
        clock,
        null);
  }

  /**
   * Auth errors and keys off the allow-list, from call events; store {@value
   * #UNAUTHORIZED_KEY_STORE}.
   */
  public static <K> ProcessorSupplier<K, LlmCallEvent, String, Alert> unauthorizedKey(
      AlertSettings settings, Duration grace, Clock clock) {
    return unauthorizedKey(settings, grace, clock, null);
  }

  /**
   * As {@link #unauthorizedKey(AlertSettings, Duration, Clock)}, also closing minutes by the event
   * time the task counted, read from {@code taskClockStore} (the rollup's clock), which the caller
   * connects.
   */
  static <K> ProcessorSupplier<K, LlmCallEvent, String, Alert> unauthorizedKey(
      AlertSettings settings, Duration grace, Clock clock, String taskClockStore) {
    UnauthorizedKeyDetector detector = new UnauthorizedKeyDetector(settings);
    return detector(
        UNAUTHORIZED_KEY_STORE,
        AlertStateSerdes.unauthorizedKey(),
        () -> LlmCallEvent::getApiKeyFingerprint,
        detector::onEvent,
        detector::onTime,
        grace,
        clock,
        taskClockStore);
  }

  /** Unpriced models from final rollups; store {@value #UNPRICED_MODEL_STORE}. */
  public static <K> ProcessorSupplier<K, UsageRollup, String, Alert> unpricedModel(
      AlertSettings settings, Duration grace, Clock clock) {
    return unpricedModel(settings, grace, clock, null);
  }

  /**
   * As {@link #unpricedModel(AlertSettings, Duration, Clock)}, also closing minutes by the event
   * time the task counted, read from {@code taskClockStore}, which the caller connects.
   */
  static <K> ProcessorSupplier<K, UsageRollup, String, Alert> unpricedModel(
      AlertSettings settings, Duration grace, Clock clock, String taskClockStore) {
    UnpricedModelDetector detector = new UnpricedModelDetector(settings);
    return detector(
        UNPRICED_MODEL_STORE,
        AlertStateSerdes.unpricedModel(),
        () -> UsageRollup::getModel,
        detector::onRollup,
        detector::onTime,
        grace,
        clock,
        taskClockStore);
  }

  /**
   * Tenants whose values fold, from the final rollups with folded events (keyed by org/project as
   * the input is, so partition-local); store {@value #DIMENSION_FOLDING_STORE}.
   */
  public static <K> ProcessorSupplier<K, UsageRollup, String, Alert> dimensionFolding(
      AlertSettings settings, Duration grace, Clock clock) {
    return dimensionFolding(settings, grace, clock, null);
  }

  /**
   * As {@link #dimensionFolding(AlertSettings, Duration, Clock)}, also closing minutes by the event
   * time the task counted, read from {@code taskClockStore}, which the caller connects: rollups with
   * folded events are rare, and a tenant that stopped folding must still resolve.
   */
  static <K> ProcessorSupplier<K, UsageRollup, String, Alert> dimensionFolding(
      AlertSettings settings, Duration grace, Clock clock, String taskClockStore) {
    DimensionFoldingDetector detector = new DimensionFoldingDetector(settings);
    return detector(
        DIMENSION_FOLDING_STORE,
        AlertStateSerdes.dimensionFolding(),
        () -> r -> DimensionFoldingDetector.dedupKey(r.getOrgId(), r.getProjectId()),
        detector::onRollup,
        detector::onTime,
        grace,
        clock,
        taskClockStore);
  }

  /** The rate-limit detector's store, for a processor that runs the detector inside itself. */
  static StoreBuilder<HeapKeyValueStore<RateLimitState>> rateLimitStore() {
    return store(RATE_LIMIT_STORE, AlertStateSerdes.rateLimit());
  }

  private static <S> StoreBuilder<HeapKeyValueStore<S>> store(String name, Serde<S> serde) {
    // On the heap: a state changes on most calls, and each changed one is written once per commit,
    // instead of a cache lookup, a decode and an encode per call.
    return new HeapStateStoreBuilder<>(name) {
      @Override
      protected HeapKeyValueStore<S> over(KeyValueStore<Bytes, byte[]> logged) {
        return new HeapKeyValueStore<>(logged, serde);
      }
    };
  }

  /** A detector with its own store, one processor per task, sending alerts to every child. */
  private static <K, V, S> ProcessorSupplier<K, V, String, Alert> detector(
      String storeName,
      Serde<S> serde,
      Supplier<Function<V, String>> storeKey,
      DetectorProcessor.Step<V, S> step,
      DetectorProcessor.Tick<S> tick,
      Duration grace,
      Clock clock,
      String taskClockStore) {
    StoreBuilder<HeapKeyValueStore<S>> store = store(storeName, serde);
    return new ProcessorSupplier<>() {
      @Override
      public Processor<K, V, String, Alert> get() {
        return new DetectorProcessor<>(
            storeName, storeKey.get(), step, tick, grace, clock, taskClockStore, null);
      }

      @Override
      public Set<StoreBuilder<?>> stores() {
        return Set.of(store);
      }
    };
  }
}
