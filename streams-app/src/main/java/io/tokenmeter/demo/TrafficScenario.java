package io.tokenmeter.demo;

import io.tokenmeter.sdk.LlmCall;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The live demo's traffic, second by second: steady calls from three services, plus three
 * incidents that the alerts should catch, on a fixed timeline.
 *
 * <ul>
 *   <li>From {@link #SURGE_START} to {@link #SURGE_END}: a rate-limit surge on org-acme/proj-shop
 *       {@code gpt-4o-mini}, whose provider headers report a 300 requests/min limit running out.
 *   <li>From {@link #ERROR_BURST_START} to {@link #ERROR_BURST_END}: the support service's
 *       Claude calls fail with 503 half the time.
 *   <li>From {@link #LEAK_START}: a key nobody registered shows up in a service called
 *       {@code nightly-batch}, and some of its calls are refused with 401.
 * </ul>
 *
 * <p>The API keys are random strings made at start; only their fingerprints and hints leave the
 * SDK. {@link #registeredKeys()} are the keys an allow-list would contain; the leaked key is not.
 */
public final class TrafficScenario {

  public static final Duration SURGE_START = Duration.ofSeconds(15);
  public static final Duration SURGE_END = Duration.ofSeconds(50);
  public static final Duration ERROR_BURST_START = Duration.ofSeconds(60);
  public static final Duration ERROR_BURST_END = Duration.ofSeconds(130);
  public static final Duration LEAK_START = Duration.ofSeconds(30);

  private static final long SURGE_LIMIT_REQUESTS = 300;
  private static final int STEADY_CALLS_PER_SECOND = 8;
  private static final int SURGE_CALLS_PER_SECOND = 25;

  private record Caller(String service, String orgId, String projectId, String apiKey) {}

  private record Model(
      String requestModel,
      String responseModel,
      String provider,
      long meanInput,
      long meanOutput) {}

  private static final Model GPT_4O = new Model("gpt-4o", "gpt-4o-2024-08-06", "openai", 900, 250);
  private static final Model GPT_4O_MINI =
      new Model("gpt-4o-mini", "gpt-4o-mini-2024-07-18", "openai", 600, 150);
  private static final Model O3_MINI =
      new Model("o3-mini", "o3-mini-2025-01-31", "openai", 1200, 900);
  private static final Model CLAUDE =
      new Model("claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "anthropic", 1500, 400);
  private static final List<Model> MODELS = List.of(GPT_4O, GPT_4O_MINI, O3_MINI, CLAUDE);

  private final RandomGenerator random;
  private final List<Caller> steady = new ArrayList<>();
  private final Caller surge;
  private final Caller support;
  private final Caller leaked;
  private final Map<Long, Long> surgeCallsByMinute = new HashMap<>();
  private long sequence;

  public TrafficScenario(RandomGenerator random) {
    this.random = random;
    String shopKey = "sk-proj-" + hex(20);
    String labsKey = "sk-proj-" + hex(20);
    String helpdeskKey = "sk-svcacct-" + hex(20);
    steady.add(new Caller("checkout", "org-acme", "proj-shop", shopKey));
    steady.add(new Caller("search", "org-acme", "proj-shop", shopKey));
    steady.add(new Caller("search", "org-acme", "proj-labs", labsKey));
    support = new Caller("support", "org-globex", "proj-helpdesk", helpdeskKey);
    steady.add(support);
    surge = new Caller("checkout", "org-acme", "proj-shop", shopKey);
    leaked = new Caller("nightly-batch", "org-acme", "proj-labs", "sk-proj-" + hex(20));
  }

  /** The services that make calls, one SDK instance each. */
  public List<String> services() {
    return List.of("checkout", "search", "support", "nightly-batch");
  }

  /** The keys a deployment would put on its allow-list: every key but the leaked one. */
  public List<String> registeredKeys() {
    return steady.stream().map(Caller::apiKey).distinct().toList();
  }

  /** One call and the service that made it. */
  public record ScenarioCall(String service, LlmCall call) {}

  /** The calls of the second that starts at {@code at}, {@code elapsed} after the scenario began. */
  public List<ScenarioCall> second(Duration elapsed, Instant at) {
    List<ScenarioCall> calls = new ArrayList<>();
    for (int i = 0; i < STEADY_CALLS_PER_SECOND; i++) {
      Caller caller = steady.get(random.nextInt(steady.size()));
      Model model = caller == support ? CLAUDE : MODELS.get(random.nextInt(MODELS.size()));
      boolean burst = caller == support && within(elapsed, ERROR_BURST_START, ERROR_BURST_END);
      calls.add(call(caller, model, spread(at, i, STEADY_CALLS_PER_SECOND), burst ? 50 : 2));
    }
    if (within(elapsed, SURGE_START, SURGE_END)) {
      for (int i = 0; i < SURGE_CALLS_PER_SECOND; i++) {
        calls.add(surgeCall(spread(at, i, SURGE_CALLS_PER_SECOND)));
      }
    }
    if (elapsed.compareTo(LEAK_START) >= 0 && random.nextInt(3) == 0) {
      ScenarioCall call = call(leaked, GPT_4O, at, 0);
      if (random.nextBoolean()) {
        call = new ScenarioCall(
            leaked.service(),
            call.call().toBuilder()
                .statusCode(401)
                .errorType("auth")
                .inputTokens(0)
                .outputTokens(0)
                .durationMs(30)
                .build());
      }
      calls.add(call);
    }
    return calls;
  }

  private ScenarioCall surgeCall(Instant at) {
    long minute = at.toEpochMilli() / 60_000;
    long used = surgeCallsByMinute.merge(minute, 1L, Long::sum);
    long remaining = Math.max(0, SURGE_LIMIT_REQUESTS - used);
    LlmCall.Builder b = base(surge, GPT_4O_MINI, at);
    if (remaining == 0) {
      b.statusCode(429).errorType("rate_limited").durationMs(25);
    } else {
      success(b, GPT_4O_MINI);
    }
    b.rateLimitHeaders(Map.of(
        "x-ratelimit-limit-requests", Long.toString(SURGE_LIMIT_REQUESTS),
        "x-ratelimit-remaining-requests", Long.toString(remaining),
        "x-ratelimit-reset-requests", (60 - at.getEpochSecond() % 60) + "s",
        "x-ratelimit-limit-tokens", "2000000",
        "x-ratelimit-remaining-tokens", Long.toString(2_000_000 - used * 800)));
    return new ScenarioCall(surge.service(), b.build());
  }

  private ScenarioCall call(Caller caller, Model model, Instant at, int errorPercent) {
    LlmCall.Builder b = base(caller, model, at);
    if (random.nextInt(100) < errorPercent) {
      b.statusCode(503).errorType("server");
    } else {
      success(b, model);
    }
    return new ScenarioCall(caller.service(), b.build());
  }

  private LlmCall.Builder base(Caller caller, Model model, Instant at) {
    return LlmCall.builder()
        .eventId("demo-" + Long.toHexString(at.toEpochMilli()) + "-" + (sequence++))
        .timestamp(at)
        .provider(model.provider())
        .operation("chat")
        .requestModel(model.requestModel())
        .apiKey(caller.apiKey())
        .orgId(caller.orgId())
        .projectId(caller.projectId())
        .durationMs(200 + (long) (random.nextDouble() * 1800));
  }

  private void success(LlmCall.Builder b, Model model) {
    long input = around(model.meanInput());
    long output = around(model.meanOutput());
    b.statusCode(200)
        .responseModel(model.responseModel())
        .inputTokens(input)
        .outputTokens(output)
        .cacheReadInputTokens(random.nextInt(4) == 0 ? input / 2 : 0);
    if (model == O3_MINI) {
      b.reasoningOutputTokens(output * 2 / 3);
    }
  }

  private static boolean within(Duration elapsed, Duration from, Duration to) {
    return elapsed.compareTo(from) >= 0 && elapsed.compareTo(to) < 0;
  }

  private static Instant spread(Instant secondStart, int i, int perSecond) {
    return secondStart.plusMillis(i * 1000L / perSecond);
  }

  private long around(long mean) {
    return Math.max(1, (long) (mean * (0.5 + random.nextDouble())));
  }

  private String hex(int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
