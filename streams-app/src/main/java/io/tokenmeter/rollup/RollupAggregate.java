package io.tokenmeter.rollup;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.RateLimitSnapshot;
import io.tokenmeter.schemas.UsageRollup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The running totals of one window and dimension set, as kept in the state store. It is stored in
 * a hand-rolled binary form (varints, and the latency sketch in DDSketch's own compact encoding
 * without its index mapping), because it is read and rewritten on every event: a typical window
 * of a few requests takes well under 100 bytes.
 */
final class RollupAggregate {

  /** 1% relative accuracy on latency quantiles. */
  static final double RELATIVE_ACCURACY = 0.01;

  private static final IndexMapping MAPPING =
      DDSketches.logarithmicUnboundedDense(RELATIVE_ACCURACY).getIndexMapping();
  private static final int FORMAT = 1;
  /**
   * Distinct {@code error_type} values kept apart per window and dimension set; more become {@code
   * __other__}, so that an error type that carries a request id cannot grow one aggregate without end.
   */
  static final int MAX_ERROR_CLASSES = 32;

  long requests;
  long errors;
  final Map<String, Long> errorsByClass = new TreeMap<>();
  long inputTokens;
  long outputTokens;
  long cacheReadInputTokens;
  long cacheCreationInputTokens;
  long reasoningOutputTokens;
  long requestsWithoutUsage;
  /** Null until a request of the window is priced. */
  Long costMicros;

  long unpricedRequests;
  String priceTableVersion;
  String apiKeyHint;
  /** NaN until rate-limit headers are seen. */
  double peakRateLimitUtilization = Double.NaN;

  long foldedEvents;
  /** Null until a request with a duration is seen. */
  DDSketch latency;

  /** Counts one event; {@code cost} is the price of it, empty when its model has none. */
  void add(LlmCallEvent e, boolean folded, OptionalLong cost, String priceVersion) {
    requests++;
    if (e.getErrorType() != null) {
      errors++;
      String errorClass =
          errorsByClass.containsKey(e.getErrorType()) || errorsByClass.size() < MAX_ERROR_CLASSES
              ? e.getErrorType()
              : Dimensions.OTHER;
      errorsByClass.merge(errorClass, 1L, Long::sum);
    }
    if (e.getInputTokens() == null || e.getOutputTokens() == null) {
      requestsWithoutUsage++;
    }
    inputTokens = saturatedSum(inputTokens, orZero(e.getInputTokens()));
    outputTokens = saturatedSum(outputTokens, orZero(e.getOutputTokens()));
    cacheReadInputTokens = saturatedSum(cacheReadInputTokens, orZero(e.getCacheReadInputTokens()));
    cacheCreationInputTokens =
        saturatedSum(cacheCreationInputTokens, orZero(e.getCacheCreationInputTokens()));
    reasoningOutputTokens =
        saturatedSum(reasoningOutputTokens, orZero(e.getReasoningOutputTokens()));
    if (cost.isPresent()) {
      costMicros = saturatedSum(costMicros == null ? 0L : costMicros, cost.getAsLong());
    } else {
      unpricedRequests++;
    }
    priceTableVersion = priceVersion;
    if (e.getApiKeyHint() != null) {
      apiKeyHint = e.getApiKeyHint();
    }
    double utilization = utilization(e.getRateLimit());
    if (!Double.isNaN(utilization) && !(utilization <= peakRateLimitUtilization)) {
      peakRateLimitUtilization = utilization;
    }
    if (folded) {
      foldedEvents++;
    }
    if (e.getDurationMs() != null) {
      if (latency == null) {
        latency = newSketch();
      }
      latency.accept(e.getDurationMs());
    }
  }

  /** used/limit for requests and for tokens, whichever is higher; NaN when neither is known. */
  static double utilization(RateLimitSnapshot r) {
    if (r == null) {
      return Double.NaN;
    }
    return max(
        fraction(r.getLimitRequests(), r.getRemainingRequests()),
        fraction(r.getLimitTokens(), r.getRemainingTokens()));
  }

  private static double fraction(Long limit, Long remaining) {
    if (limit == null || remaining == null || limit <= 0) {
      return Double.NaN;
    }
    return Math.max(0.0, 1.0 - (double) remaining / limit);
  }

  private static double max(double a, double b) {
    if (Double.isNaN(a)) {
      return b;
    }
    return Double.isNaN(b) ? a : Math.max(a, b);
  }

  /**
   * The final rollup. Built with the setters of a new record rather than its builder, which copies
   * schema defaults into every field first: this runs once per rollup on the emitting thread. So
   * every field is set here; {@code RollupAggregateTest} fails when the schema gains one.
   */
  UsageRollup toRollup(long windowStart, long windowEnd, Dimensions d) {
    UsageRollup r = new UsageRollup();
    r.setWindowStart(Instant.ofEpochMilli(windowStart));
    r.setWindowEnd(Instant.ofEpochMilli(windowEnd));
    r.setModel(d.model());
    r.setOrgId(d.orgId());
    r.setProjectId(d.projectId());
    r.setApiKeyFingerprint(d.apiKeyFingerprint());
    r.setApiKeyHint(apiKeyHint);
    r.setService(d.service());
    r.setRequests(requests);
    r.setErrors(errors);
    r.setErrorsByClass(new TreeMap<>(errorsByClass));
    r.setInputTokens(inputTokens);
    r.setOutputTokens(outputTokens);
    r.setCacheReadInputTokens(cacheReadInputTokens);
    r.setCacheCreationInputTokens(cacheCreationInputTokens);
    r.setReasoningOutputTokens(reasoningOutputTokens);
    r.setRequestsWithoutUsage(requestsWithoutUsage);
    r.setCostMicros(costMicros);
    r.setUnpricedRequests(unpricedRequests);
    r.setPriceTableVersion(priceTableVersion);
    r.setPeakRateLimitUtilization(
        Double.isNaN(peakRateLimitUtilization) ? null : peakRateLimitUtilization);
    r.setFoldedEvents(foldedEvents);
    if (latency != null && !latency.isEmpty()) {
      r.setLatencyP50Ms(latency.getValueAtQuantile(0.50));
      r.setLatencyP95Ms(latency.getValueAtQuantile(0.95));
      r.setLatencyP99Ms(latency.getValueAtQuantile(0.99));
      r.setLatencySketch(latency.serialize());
    }
    return r;
  }

  byte[] encode() {
    BinaryWriter w = new BinaryWriter(96);
    w.writeByte(FORMAT);
    w.writeVarLong(requests).writeVarLong(errors);
    w.writeVarLong(errorsByClass.size());
    errorsByClass.forEach((k, v) -> w.writeString(k).writeVarLong(v));
    w.writeVarLong(inputTokens)
        .writeVarLong(outputTokens)
        .writeVarLong(cacheReadInputTokens)
        .writeVarLong(cacheCreationInputTokens)
        .writeVarLong(reasoningOutputTokens)
        .writeVarLong(requestsWithoutUsage);
    // cost + 1, so that 0 means null
    w.writeVarLong(costMicros == null ? 0 : costMicros + 1);
    w.writeVarLong(unpricedRequests);
    w.writeNullableString(priceTableVersion);
    w.writeNullableString(apiKeyHint);
    if (Double.isNaN(peakRateLimitUtilization)) {
      w.writeByte(0);
    } else {
      w.writeByte(1).writeDouble(peakRateLimitUtilization);
    }
    w.writeVarLong(foldedEvents);
    w.writeNullableBytes(latency == null ? null : encodeSketch(latency));
    return w.toByteArray();
  }

  static RollupAggregate decode(byte[] bytes) {
    BinaryReader r = new BinaryReader(bytes);
    int format = r.readByte();
    if (format != FORMAT) {
      throw new IllegalStateException("unknown rollup aggregate format " + format);
    }
    RollupAggregate a = new RollupAggregate();
    a.requests = r.readVarLong();
    a.errors = r.readVarLong();
    long classes = r.readVarLong();
    for (long i = 0; i < classes; i++) {
      a.errorsByClass.put(r.readString(), r.readVarLong());
    }
    a.inputTokens = r.readVarLong();
    a.outputTokens = r.readVarLong();
    a.cacheReadInputTokens = r.readVarLong();
    a.cacheCreationInputTokens = r.readVarLong();
    a.reasoningOutputTokens = r.readVarLong();
    a.requestsWithoutUsage = r.readVarLong();
    long cost = r.readVarLong();
    a.costMicros = cost == 0 ? null : cost - 1;
    a.unpricedRequests = r.readVarLong();
    a.priceTableVersion = r.readNullableString();
    a.apiKeyHint = r.readNullableString();
    a.peakRateLimitUtilization = r.readByte() == 0 ? Double.NaN : r.readDouble();
    a.foldedEvents = r.readVarLong();
    byte[] sketch = r.readNullableBytes();
    a.latency = sketch == null ? null : decodeSketch(sketch);
    if (!r.isEnd()) {
      throw new IllegalStateException("trailing bytes after a rollup aggregate");
    }
    return a;
  }

  static DDSketch newSketch() {
    return DDSketches.logarithmicUnboundedDense(RELATIVE_ACCURACY);
  }

  private static byte[] encodeSketch(DDSketch sketch) {
    GrowingByteArrayOutput out = GrowingByteArrayOutput.withInitialCapacity(32);
    try {
      sketch.encode(out, true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.trimmedCopy();
  }

  private static DDSketch decodeSketch(byte[] bytes) {
    try {
      return DDSketch.decode(ByteArrayInput.wrap(bytes), UnboundedSizeDenseStore::new, MAPPING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code a + b} for the non-negative counts of a window, held at {@link Long#MAX_VALUE} instead of
   * wrapping to a negative total. {@link CallValidation} bounds each event, so only millions of
   * absurd events in one window could reach it; a reader sees the maximum, never a small number.
   */
  static long saturatedSum(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : sum;
  }

  private static long orZero(Long v) {
    return v == null ? 0 : v;
  }
}
