package io.tokenmeter.cost;

import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.SdkInfo;
import java.time.Instant;

/** Call events for pricing tests: only the fields pricing reads vary, and no usage is set. */
final class Calls {

  static final Instant PRICED_DAY = Instant.parse("2026-11-27T12:00:00Z");

  private Calls() {}

  static LlmCallEvent.Builder call(String provider, String model) {
    return call(provider, model, PRICED_DAY);
  }

  static LlmCallEvent.Builder call(String provider, String model, Instant at) {
    return LlmCallEvent.newBuilder()
        .setEventId("evt-1")
        .setTimestamp(at)
        .setSdk(
            SdkInfo.newBuilder().setName("tokenmeter-java").setVersion("test").build())
        .setService("checkout")
        .setEnvironment("test")
        .setProvider(provider)
        .setOperation("chat")
        .setRequestModel(model);
  }
}
