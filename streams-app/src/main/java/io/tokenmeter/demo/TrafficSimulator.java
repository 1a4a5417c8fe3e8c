package io.tokenmeter.demo;

import io.tokenmeter.sdk.LlmCall;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Makes believable LLM call traffic for the demo: three services, four models, two orgs and a few
 * API keys, with a sprinkling of rate-limit and server errors and provider rate-limit headers.
 * The API keys are random strings made at start; they are never printed, only their hints.
 */
public final class TrafficSimulator {

  private record Caller(String service, String orgId, String projectId, String apiKey) {}

  private record Model(String requestModel, String responseModel, String provider, long meanInput, long meanOutput) {}

  private static final List<Model> MODELS =
      List.of(
          new Model("gpt-4o", "gpt-4o-2024-08-06", "openai", 900, 250),
          new Model("gpt-4o-mini", "gpt-4o-mini-2024-07-18", "openai", 600, 150),
          new Model("o3-mini", "o3-mini-2025-01-31", "openai", 1200, 900),
          new Model("claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "anthropic", 1500, 400));

  private final RandomGenerator random;
  private final List<Caller> callers = new ArrayList<>();
  private final String runId;

  public TrafficSimulator(RandomGenerator random) {
    this.random = random;
    this.runId = hex(4);
    String keyA = "sk-proj-" + hex(20);
    String keyB = "sk-proj-" + hex(20);
    String keyC = "sk-svcacct-" + hex(20);
    callers.add(new Caller("checkout", "org-acme", "proj-shop", keyA));
    callers.add(new Caller("search", "org-acme", "proj-shop", keyA));
    callers.add(new Caller("search", "org-acme", "proj-labs", keyB));
    callers.add(new Caller("support", "org-globex", "proj-helpdesk", keyC));
  }

  /** Identifies this run's events among others on the same topic: every event id starts with it. */
  public String runId() {
    return runId;
  }

  /** One simulated call and the service that made it (each service has its own SDK instance). */
  public record SimulatedCall(String service, LlmCall call) {}

  /** The services that make calls, for creating one SDK instance each. */
  public List<String> services() {
    return callers.stream().map(Caller::service).distinct().toList();
  }

  /** The {@code i}-th call of the run, started at {@code startedAt}. */
  public SimulatedCall call(int i, Instant startedAt) {
    Caller caller = callers.get(random.nextInt(callers.size()));
    return new SimulatedCall(caller.service(), callOf(caller, i, startedAt));
  }

  private LlmCall callOf(Caller caller, int i, Instant startedAt) {
    Model model = MODELS.get(random.nextInt(MODELS.size()));
    LlmCall.Builder call =
        LlmCall.builder()
            .eventId(runId + "-" + i)
            .timestamp(startedAt)
            .provider(model.provider())
            .operation("chat")
            .requestModel(model.requestModel())
            .apiKey(caller.apiKey())
            .orgId(caller.orgId())
            .projectId(caller.projectId())
            .durationMs(200 + (long) (random.nextDouble() * 1800));
    int roll = random.nextInt(100);
    if (roll < 4) {
      return call.statusCode(429).errorType("rate_limited").durationMs(40).build();
    }
    if (roll < 6) {
      return call.statusCode(503).errorType("server").build();
    }
    long input = around(model.meanInput());
    long output = around(model.meanOutput());
    call.statusCode(200)
        .responseModel(model.responseModel())
        .inputTokens(input)
        .outputTokens(output)
        .cacheReadInputTokens(random.nextInt(4) == 0 ? input / 2 : 0);
    if (model.requestModel().startsWith("o")) {
      call.reasoningOutputTokens(output * 2 / 3);
    }
    if (model.provider().equals("openai")) {
      long remaining = 500 - (i % 500);
      call.rateLimitHeaders(
          Map.of(
              "x-ratelimit-limit-requests", "500",
              "x-ratelimit-remaining-requests", Long.toString(remaining),
              "x-ratelimit-reset-requests", "120ms",
              "x-ratelimit-limit-tokens", "200000",
              "x-ratelimit-remaining-tokens", Long.toString(remaining * 400),
              "x-ratelimit-reset-tokens", "6m0s"));
    }
    return call.build();
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
