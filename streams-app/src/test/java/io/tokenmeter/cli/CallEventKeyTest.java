package io.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.schemas.CallEventKeys;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.SdkInfo;
import io.tokenmeter.sdk.SdkRecordKeys;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CallEventKeyTest {

  @ParameterizedTest(name = "org={0} project={1}")
  @CsvSource(
      nullValues = "NULL",
      value = {
        "org-acme, proj-web",
        "org-acme, NULL",
        "NULL, proj-web",
        "NULL, NULL",
        "'', ''",
        "'', NULL"
      })
  void cliKeysEventsExactlyAsTheProducerSdkDoes(String org, String project) {
    LlmCallEvent event = LlmCallEvent.newBuilder()
        .setEventId("e")
        .setTimestamp(Instant.EPOCH)
        .setSdk(new SdkInfo("n", "v"))
        .setService("checkout")
        .setEnvironment("dev")
        .setOrgId(org)
        .setProjectId(project)
        .setProvider("openai")
        .setOperation("chat")
        .setRequestModel("gpt-4o")
        .build();

    assertThat(CallEventKeys.of(event))
        .isEqualTo(SdkRecordKeys.recordKey("checkout", org, project));
  }
}
