package io.tokenmeter.rollup;

import io.tokenmeter.config.RollupSettings;
import io.tokenmeter.cost.Pricing;
import io.tokenmeter.schemas.LlmCallEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * Every step a decoded call takes in its partition, in one node: the late check, deduplication,
 * the cardinality guard, the minute window's aggregate (priced, with its latency sketch), and the
 * {@link CallStep}s (the partition-local alert detectors). The state of each step is on the heap
 * and reaches its logged store at commit ({@link HeapStateStore}); the steps call each other
 * directly, so a call costs one forward into this node and none inside it.
 *
 * <p>Outputs go to children by name: late calls to {@link #LATE}, final rollups to {@link
 * #ROLLUPS}, and whatever the call steps send to theirs.
 */
public final class CountProcessor implements Processor<String, Call, String, Object> {

  /** Calls whose window had closed, as {@code late} dead letters. */
  public static final String LATE = "late-calls";
  /** Final rollups, keyed by window and dimensions. */
  public static final String ROLLUPS = "final-rollups";

  private final Duration grace;
  private final Duration closeCheckInterval;
  private final Deduplication dedup;
  private final DimensionFold fold;
  private final MinuteWindows windows;
  private final List<CallStep> steps;
  private ProcessorContext<String, Object> context;
  private Sensor lateEvents;

  private CountProcessor(RollupSettings settings, Pricing pricing, List<CallStep> steps) {
    this.grace = settings.grace();
    this.closeCheckInterval = settings.closeCheckInterval();
    this.dedup = new Deduplication(settings.dedupHorizon().toMillis());
    this.fold = new DimensionFold(settings);
    this.windows = new MinuteWindows(settings.grace(), pricing, ROLLUPS);
    this.steps = steps;
  }

  private static final String[] STORES = {
    RollupStores.DEDUP, RollupStores.WINDOWS, RollupStores.CLOCK, RollupStores.TENANT_VALUES
  };

  /** The stores the count itself uses, which the topology adds and names when it connects the node. */
  public static String[] storeNames() {
    return STORES.clone();
  }

  /** A count node per task, with the call steps' stores connected too. */
  public static ProcessorSupplier<String, Call, String, Object> supplier(
      RollupSettings settings, Pricing pricing, List<CallStep.Factory> steps) {
    Set<StoreBuilder<?>> stepStores = new HashSet<>();
    steps.forEach(s -> stepStores.addAll(s.stores()));
    return new ProcessorSupplier<>() {
      @Override
      public Processor<String, Call, String, Object> get() {
        return new CountProcessor(
            settings, pricing, steps.stream().map(CallStep.Factory::create).toList());
      }

      @Override
      public Set<StoreBuilder<?>> stores() {
        return stepStores;
      }
    };
  }

  @Override
  public void init(ProcessorContext<String, Object> context) {
    this.context = context;
    this.lateEvents = RollupMetrics.lateEvents(context);
    dedup.init(context);
    fold.init(context);
    windows.init(context);
    for (CallStep step : steps) {
      step.init(context);
    }
    context.schedule(closeCheckInterval, PunctuationType.WALL_CLOCK_TIME, this::onWallClock);
  }

  @Override
  public void process(Record<String, Call> record) {
    Call call = record.value();
    LlmCallEvent event = call.event();
    long eventTime = event.getTimestamp().toEpochMilli();
    if (RollupKeys.windowStart(eventTime) < windows.closedBefore()) {
      late(record, eventTime);
      return;
    }
    if (!dedup.firstSeen(event.getEventId(), eventTime)) {
      return;
    }
    if (windows.add(fold.apply(call), eventTime)) {
      // Ids of a closed minute can only come back as late events: no need to remember them.
      dedup.forget(windows.closedBefore());
    }
    for (CallStep step : steps) {
      step.onCall(record.key(), event, record.timestamp());
    }
  }

  private void onWallClock(long wallClock) {
    if (windows.onWallClock(wallClock)) {
      dedup.forget(windows.closedBefore());
    }
  }

  private void late(Record<String, Call> record, long eventTime) {
    lateEvents.record();
    long windowStart = RollupKeys.windowStart(eventTime);
    context.forward(
        record.withValue(record
            .value()
            .reject(
                DeadLetterReason.LATE,
                "late: event time " + Instant.ofEpochMilli(eventTime) + " falls in window starting "
                    + Instant.ofEpochMilli(windowStart) + ", but every window ending at or before "
                    + Instant.ofEpochMilli(windows.closedBefore()) + " is closed (grace " + grace
                    + ")")),
        LATE);
  }

  @Override
  public void close() {
    context.metrics().removeSensor(lateEvents);
    dedup.close();
    fold.close();
    steps.forEach(CallStep::close);
  }
}
