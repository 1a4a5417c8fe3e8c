package io.tokenmeter.alert;

import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.rollup.CallStep;
import io.tokenmeter.schemas.LlmCallEvent;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * The alert work done on each accepted call inside the count node, where the call already is:
 * rate-limit proximity (its scope, org/project and model, is partition-local), the partition's
 * per-minute error counts, and the pick of calls that may concern an API key. What they make goes
 * to the count's children {@link #RATE_LIMIT_ALERTS}, {@link #ERROR_WINDOWS} and {@link
 * #KEY_SUSPECTS}, which {@link AlertTopology} attaches.
 */
final class CallAlerts implements CallStep {

  /** Rate-limit alerts, keyed by dedup key. */
  static final String RATE_LIMIT_ALERTS = "rate-limit";
  /** Closed per-partition error windows, keyed by scope, for the repartition to the error-rate detector. */
  static final String ERROR_WINDOWS = "error-windows";
  /** Calls with an auth error or a key off the allow-list, keyed by key fingerprint. */
  static final String KEY_SUSPECTS = "key-suspects";

  private final AlertSettings settings;
  private final DetectorProcessor<String, LlmCallEvent, RateLimitState> rateLimit;
  private final ErrorWindowCounter errorWindows;
  private ProcessorContext<String, Object> context;

  private CallAlerts(
      AlertSettings settings, Duration grace, Duration closeCheckInterval, Clock clock) {
    this.settings = settings;
    RateLimitDetector detector = new RateLimitDetector(settings);
    this.rateLimit = new DetectorProcessor<>(
        AlertProcessors.RATE_LIMIT_STORE,
        new RateLimitKeys()::of,
        detector::onEvent,
        detector::onTime,
        grace,
        clock,
        null,
        RATE_LIMIT_ALERTS);
    this.errorWindows = new ErrorWindowCounter(grace, closeCheckInterval, ERROR_WINDOWS);
  }

  static CallStep.Factory factory(
      AlertSettings settings, Duration grace, Duration closeCheckInterval, Clock clock) {
    return new CallStep.Factory() {
      @Override
      public CallStep create() {
        return new CallAlerts(settings, grace, closeCheckInterval, clock);
      }

      @Override
      public Set<StoreBuilder<?>> stores() {
        return Set.of(AlertProcessors.rateLimitStore(), ErrorWindowCounter.store());
      }
    };
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public void init(ProcessorContext<String, Object> context) {
    this.context = context;
    rateLimit.init((ProcessorContext) context);
    errorWindows.init(context);
  }

  @Override
  public void onCall(String key, LlmCallEvent event, long timestamp) {
    rateLimit.onInput(event, timestamp);
    errorWindows.count(event);
    if (AlertTopology.mayConcernKey(event, settings)) {
      context.forward(new Record<>(event.getApiKeyFingerprint(), event, timestamp), KEY_SUSPECTS);
    }
  }
}
