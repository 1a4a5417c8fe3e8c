package io.tokenmeter.alert;

import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.RateLimitSnapshot;
import io.tokenmeter.schemas.SdkInfo;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** Test fixtures: call events and settings with the defaults the docs promise. */
final class Events {

  static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
  static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");

  private Events() {}

  /** {@code T0} plus whole minutes and seconds. */
  static Instant at(int minute, int second) {
    return T0.plusSeconds(minute * 60L + second);
  }

  static LlmCallEvent.Builder call(Instant t) {
    return LlmCallEvent.newBuilder()
        .setEventId(UUID.nameUUIDFromBytes(t.toString().getBytes()).toString())
        .setTimestamp(t)
        .setSdk(SdkInfo.newBuilder().setName("test").setVersion("0").build())
        .setService("checkout")
        .setEnvironment("prod")
        .setOrgId("org-1")
        .setProjectId("proj-a")
        .setApiKeyFingerprint("fp-0123456789abcdef")
        .setApiKeyHint("sk-...abcd")
        .setProvider("openai")
        .setOperation("chat")
        .setRequestModel("gpt-4o")
        .setStatusCode(200)
        .setInputTokens(10L)
        .setOutputTokens(5L);
  }

  static RateLimitSnapshot headers(Long limitRequests, Long remainingRequests) {
    return RateLimitSnapshot.newBuilder()
        .setLimitRequests(limitRequests)
        .setRemainingRequests(remainingRequests)
        .build();
  }

  static AlertSettings settings(List<AlertSettings.RateLimit> limits, Set<String> allowList) {
    return new AlertSettings(
        0.80, 0.95, 2, limits, new AlertSettings.ErrorRate(20, 3.0, 0.05, 0.2), allowList);
  }

  static AlertSettings defaults() {
    return settings(List.of(), Set.of());
  }
}
