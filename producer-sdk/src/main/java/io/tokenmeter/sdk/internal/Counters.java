package io.tokenmeter.sdk.internal;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The SDK's outcome counters. Every call to {@code record()} increments {@link #recorded} once, and
 * later exactly one of {@link #sent} or a drop reason, so {@code recorded - sent - dropped} is what
 * is still on its way. LongAdder keeps the caller-thread increments free of contention.
 */
public final class Counters {

  /** Drop reasons, named as in the metrics and the docs. */
  public enum Reason {
    /** The queue was at capacity when record() was called. */
    QUEUE_FULL(
        "queue_full", "the queue was full: events are recorded faster than Kafka takes them"),
    /** Kafka did not take the event: delivery timeout, metadata timeout, or another send error. */
    BROKER_UNAVAILABLE("broker_unavailable", "Kafka did not accept the event"),
    /** The event could not be encoded, for example the schema registry was unreachable. */
    SERIALIZATION("serialization", "the event could not be encoded"),
    /** record(null), or a call without provider, operation or request model. */
    INVALID("invalid", "the call lacks a required field"),
    /** Recorded after close() began, or still unsent when close()'s deadline passed. */
    CLOSED("closed", "recorded after close(), or unsent at close()'s deadline");

    public final String metricName;
    final String explanation;

    Reason(String metricName, String explanation) {
      this.metricName = metricName;
      this.explanation = explanation;
    }
  }

  public final LongAdder recorded = new LongAdder();
  public final LongAdder sent = new LongAdder();
  private final LongAdder[] dropped = new LongAdder[Reason.values().length];
  private final AtomicReferenceArray<String> lastDetail =
      new AtomicReferenceArray<>(Reason.values().length);

  public Counters() {
    for (int i = 0; i < dropped.length; i++) {
      dropped[i] = new LongAdder();
    }
  }

  public void drop(Reason reason) {
    dropped[reason.ordinal()].increment();
  }

  /**
   * Counts a drop and keeps a one-line explanation for the next log line. The detail must never
   * contain event contents; callers pass exception messages from Kafka or the serializer only.
   */
  public void drop(Reason reason, String detail) {
    lastDetail.set(reason.ordinal(), detail);
    dropped[reason.ordinal()].increment();
  }

  public long dropped(Reason reason) {
    return dropped[reason.ordinal()].sum();
  }

  String lastDetail(Reason reason) {
    return lastDetail.get(reason.ordinal());
  }
}
