package io.tokenmeter.app;

import io.tokenmeter.cost.Pricing;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.SdkInfo;
import io.tokenmeter.schemas.UsageRollup;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * A seeded trace of LLM calls in send order, replays included, and the rollups it must produce.
 *
 * <p>Event time runs forward through the trace, with events up to a few seconds out of order and
 * replays a few positions after their original, both well inside the grace period: so no event is
 * ever late, and the reference is simply every distinct {@code event_id} counted once in its minute.
 */
record CallTrace(List<LlmCallEvent> sends, int distinctEvents) {

  /** One dimension set: what the app groups by, plus the org/project that keys the record. */
  private record Dims(
      String model, String org, String project, String keyFingerprint, String service) {}

  private static final List<Dims> DIMS = List.of(
      new Dims("gpt-4o", "org-a", "proj-1", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", "checkout"),
      new Dims("gpt-4o-mini", "org-a", "proj-1", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", "checkout"),
      new Dims("gpt-4o", "org-a", "proj-2", "a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2", "search"),
      new Dims("gpt-4o-mini", "org-b", "proj-1", "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1", "search"),
      new Dims("local-llama", "org-b", "proj-1", "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1", "batch"),
      new Dims("gpt-4o", "org-c", "proj-9", "c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9", "checkout"),
      new Dims("gpt-4o-mini", "org-d", "proj-3", "d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3", "chat"),
      new Dims("gpt-4o", "org-e", "proj-4", "e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4", "chat"));

  private static final String[] ERROR_TYPES = {"rate_limited", "server", "timeout"};

  /**
   * {@code events} distinct calls spread evenly over {@code span} of event time from {@code start},
   * each shifted back by up to {@code jitter}, and about 3% of them sent a second time.
   */
  static CallTrace generate(long seed, int events, Instant start, Duration span, Duration jitter) {
    Random random = new Random(seed);
    List<LlmCallEvent> sends = new ArrayList<>(events + events / 20);
    List<LlmCallEvent> replays = new ArrayList<>();
    double step = (double) span.toMillis() / events;
    for (int i = 0; i < events; i++) {
      long at = start.toEpochMilli()
          + (long) (i * step)
          - (long) (random.nextDouble() * jitter.toMillis());
      LlmCallEvent e = event(
          random,
          "evt-" + seed + "-" + i,
          Instant.ofEpochMilli(Math.max(start.toEpochMilli(), at)));
      sends.add(e);
      if (random.nextInt(100) < 3) {
        replays.add(LlmCallEvent.newBuilder(e).build());
      }
      // A replay goes out a few sends after its original: same partition, same open window.
      if (!replays.isEmpty() && random.nextInt(4) == 0) {
        sends.add(replays.remove(0));
      }
    }
    sends.addAll(replays);
    return new CallTrace(List.copyOf(sends), events);
  }

  private static LlmCallEvent event(Random random, String id, Instant at) {
    Dims d = DIMS.get(random.nextInt(DIMS.size()));
    LlmCallEvent.Builder b = LlmCallEvent.newBuilder()
        .setEventId(id)
        .setTimestamp(at)
        .setSdk(new SdkInfo("reliability-it", "1"))
        .setService(d.service())
        .setEnvironment("it")
        .setOrgId(d.org())
        .setProjectId(d.project())
        .setApiKeyFingerprint(d.keyFingerprint())
        .setApiKeyHint("sk-...abcd")
        .setProvider("openai")
        .setOperation("chat")
        .setRequestModel(d.model())
        .setDurationMs(50L + random.nextInt(3000))
        .setStatusCode(200);
    int roll = random.nextInt(100);
    if (roll < 5) {
      b.setStatusCode(503)
          .setErrorType(ERROR_TYPES[random.nextInt(ERROR_TYPES.length)])
          .setInputTokens(0L)
          .setOutputTokens(0L);
    } else if (roll < 8) {
      // A stream without usage: unknown, not zero.
      b.setStreaming(true);
    } else {
      long input = 20 + random.nextInt(4000);
      b.setInputTokens(input)
          .setOutputTokens(1L + random.nextInt(800))
          .setCacheReadInputTokens(random.nextBoolean() ? (long) random.nextInt((int) input) : null)
          .setReasoningOutputTokens(random.nextInt(5) == 0 ? 0L : null);
    }
    return b.build();
  }

  /** The record key the SDK gives an event: org/project. */
  static String recordKey(LlmCallEvent e) {
    return e.getOrgId() + "/" + e.getProjectId();
  }

  /** What the app must emit: each distinct event_id counted once, in its minute and dimension set. */
  Map<RollupId, Totals> reference(Pricing pricing) {
    return reference(
        pricing,
        sends.stream().map(LlmCallEvent::getEventId).collect(java.util.stream.Collectors.toSet()));
  }

  /** As {@link #reference(Pricing)}, counting only {@code acknowledged} event ids (sends the broker confirmed). */
  Map<RollupId, Totals> reference(Pricing pricing, Set<String> acknowledged) {
    Set<String> seen = new HashSet<>();
    Map<RollupId, Totals> totals = new TreeMap<>();
    for (LlmCallEvent e : sends) {
      if (acknowledged.contains(e.getEventId()) && seen.add(e.getEventId())) {
        totals.merge(RollupId.of(e), Totals.of(e, pricing.costMicros(e)), Totals::plus);
      }
    }
    return totals;
  }

  /** The rollup identity: the window and the five dimensions, as in the output key. */
  record RollupId(
      Instant windowStart,
      String model,
      String org,
      String project,
      String keyFingerprint,
      String service)
      implements Comparable<RollupId> {

    static RollupId of(LlmCallEvent e) {
      long t = e.getTimestamp().toEpochMilli();
      String model = e.getResponseModel() != null ? e.getResponseModel() : e.getRequestModel();
      return new RollupId(
          Instant.ofEpochMilli(Math.floorDiv(t, 60_000L) * 60_000L),
          model,
          e.getOrgId(),
          e.getProjectId(),
          e.getApiKeyFingerprint(),
          e.getService());
    }

    static RollupId of(UsageRollup r) {
      return new RollupId(
          r.getWindowStart(),
          r.getModel(),
          r.getOrgId(),
          r.getProjectId(),
          r.getApiKeyFingerprint(),
          r.getService());
    }

    @Override
    public int compareTo(RollupId o) {
      return toString().compareTo(o.toString());
    }
  }

  /** The counted fields of a rollup; equal totals mean nothing lost and nothing counted twice. */
  record Totals(
      long requests,
      long errors,
      Map<String, Long> errorsByClass,
      long inputTokens,
      long outputTokens,
      long cacheReadInputTokens,
      long cacheCreationInputTokens,
      long reasoningOutputTokens,
      long requestsWithoutUsage,
      Long costMicros,
      long unpricedRequests) {

    static Totals of(LlmCallEvent e, OptionalLong cost) {
      Map<String, Long> byClass =
          e.getErrorType() == null ? Map.of() : Map.of(e.getErrorType(), 1L);
      return new Totals(
          1,
          e.getErrorType() == null ? 0 : 1,
          byClass,
          nz(e.getInputTokens()),
          nz(e.getOutputTokens()),
          nz(e.getCacheReadInputTokens()),
          nz(e.getCacheCreationInputTokens()),
          nz(e.getReasoningOutputTokens()),
          e.getInputTokens() == null || e.getOutputTokens() == null ? 1 : 0,
          cost.isPresent() ? cost.getAsLong() : null,
          cost.isPresent() ? 0 : 1);
    }

    static Totals of(UsageRollup r) {
      return new Totals(
          r.getRequests(),
          r.getErrors(),
          new TreeMap<>(r.getErrorsByClass()),
          r.getInputTokens(),
          r.getOutputTokens(),
          r.getCacheReadInputTokens(),
          r.getCacheCreationInputTokens(),
          r.getReasoningOutputTokens(),
          r.getRequestsWithoutUsage(),
          r.getCostMicros(),
          r.getUnpricedRequests());
    }

    Totals plus(Totals o) {
      Map<String, Long> byClass = new TreeMap<>(errorsByClass);
      o.errorsByClass.forEach((k, v) -> byClass.merge(k, v, Long::sum));
      Long cost;
      if (costMicros == null) {
        cost = o.costMicros;
      } else if (o.costMicros == null) {
        cost = costMicros;
      } else {
        cost = costMicros + o.costMicros;
      }
      return new Totals(
          requests + o.requests,
          errors + o.errors,
          byClass,
          inputTokens + o.inputTokens,
          outputTokens + o.outputTokens,
          cacheReadInputTokens + o.cacheReadInputTokens,
          cacheCreationInputTokens + o.cacheCreationInputTokens,
          reasoningOutputTokens + o.reasoningOutputTokens,
          requestsWithoutUsage + o.requestsWithoutUsage,
          cost,
          unpricedRequests + o.unpricedRequests);
    }

    private static long nz(Long v) {
      return v == null ? 0 : v;
    }
  }

  /** Distinct event ids per rollup, for the at-least-once bound. */
  Map<RollupId, Set<String>> eventIdsByRollup() {
    Map<RollupId, Set<String>> ids = new HashMap<>();
    for (LlmCallEvent e : sends) {
      ids.computeIfAbsent(RollupId.of(e), k -> new HashSet<>()).add(e.getEventId());
    }
    return ids;
  }
}
