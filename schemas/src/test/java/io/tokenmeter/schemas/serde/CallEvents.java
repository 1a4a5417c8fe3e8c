package io.tokenmeter.schemas.serde;

import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.RateLimitSnapshot;
import io.tokenmeter.schemas.SdkInfo;
import java.time.Instant;

/** Fixed call events for tests whose bytes must not change from run to run. */
final class CallEvents {

  private CallEvents() {}

  /**
   * The event behind the golden byte fixtures: set and unset optional fields, a nested record, an
   * optional nested record, a logical timestamp and a boolean, so each kind of encoding shows.
   */
  static LlmCallEvent golden() {
    return LlmCallEvent.newBuilder()
        .setEventId("0190b5e2-7c4a-7d1e-9f3a-2b6c8d4e1f00")
        .setTimestamp(Instant.parse("2025-01-02T03:04:05.678Z"))
        .setSdk(
            SdkInfo.newBuilder().setName("tokenmeter-java").setVersion("0.1.0").build())
        .setService("checkout")
        .setEnvironment("prod")
        .setOrgId("org-acme")
        .setProjectId("proj_42")
        .setApiKeyFingerprint("9f86d081884c7d659a2feaa0c55ad015")
        .setApiKeyHint("sk-...abcd")
        .setEndUser(null)
        .setProvider("openai")
        .setOperation("chat")
        .setRequestModel("gpt-4o")
        .setResponseModel("gpt-4o-2024-08-06")
        .setInputTokens(1200L)
        .setOutputTokens(350L)
        .setCacheReadInputTokens(1024L)
        .setCacheCreationInputTokens(null)
        .setReasoningOutputTokens(0L)
        .setDurationMs(2150L)
        .setTimeToFirstTokenMs(310L)
        .setStatusCode(200)
        .setErrorType(null)
        .setStreaming(true)
        .setRateLimit(RateLimitSnapshot.newBuilder()
            .setLimitRequests(10_000L)
            .setLimitTokens(2_000_000L)
            .setRemainingRequests(9_999L)
            .setRemainingTokens(1_998_450L)
            .setResetRequestsMs(6L)
            .setResetTokensMs(360_000L)
            .build())
        .build();
  }
}
