package io.tokenmeter.sdk.openai;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EndpointsTest {

  @ParameterizedTest
  @CsvSource({
    "/v1/chat/completions, chat",
    "/v1/completions, text_completion",
    "/v1/embeddings, embeddings",
    "/v1/responses, responses",
    "/v1/moderations, moderations",
    "/v1/images/generations, image_generation",
    "/v1/audio/speech, speech",
    "/openai/deployments/My-Gpt4o/chat/completions, chat",
    "/proxy/openai/v1/Chat/Completions/, chat",
  })
  void modelEndpointsAreMeteredUnderTheirOperation(String path, String operation) {
    assertThat(Endpoints.operation("POST", path)).isEqualTo(operation);
  }

  @ParameterizedTest
  @CsvSource({
    "GET, /v1/responses/resp_123",
    "POST, /v1/responses/resp_123/cancel",
    "GET, /v1/models",
    "POST, /v1/files",
    "GET, /v1/chat/completions",
    "POST, /v1/chat/completions/chatcmpl_1",
  })
  void requestsThatRunNoModelAreNotMetered(String method, String path) {
    assertThat(Endpoints.operation(method, path)).isNull();
  }

  @Test
  void azureDeploymentIsReadFromThePathWithItsCase() {
    assertThat(Endpoints.azureDeployment("/openai/deployments/My-Gpt4o/chat/completions"))
        .isEqualTo("My-Gpt4o");
    assertThat(Endpoints.azureDeployment("/v1/chat/completions")).isNull();
  }
}
