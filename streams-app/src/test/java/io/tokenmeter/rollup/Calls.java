package io.tokenmeter.rollup;

import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.RateLimitSnapshot;
import io.tokenmeter.schemas.SdkInfo;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** Test events: a successful gpt-4o chat call by default, changed with the {@code with} methods. */
public final class Calls {

  private static final AtomicLong IDS = new AtomicLong();

  private Calls() {}

  public static LlmCallEvent.Builder call(Instant at) {
    return LlmCallEvent.newBuilder()
        .setEventId("evt-" + IDS.incrementAndGet())
        .setTimestamp(at)
        .setSdk(new SdkInfo("tokenmeter-java", "test"))
        .setService("checkout")
        .setEnvironment("test")
        .setOrgId("org-1")
        .setProjectId("proj-1")
        .setApiKeyFingerprint("fp-1")
        .setApiKeyHint("sk-...abcd")
        .setProvider("openai")
        .setOperation("chat")
        .setRequestModel("gpt-4o")
        .setResponseModel("gpt-4o-2024-08-06")
        .setInputTokens(100L)
        .setOutputTokens(10L)
        .setDurationMs(500L)
        .setStatusCode(200);
  }

  static RateLimitSnapshot rateLimit(
      long limitRequests, long remainingRequests, long limitTokens, long remainingTokens) {
    return new RateLimitSnapshot(
        limitRequests, limitTokens, remainingRequests, remainingTokens, null, null);
  }
}
