package io.tokenmeter.sdk.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class RequestFactsTest {

  private static final String KEY = "sk-proj-secret0123456789abcd";

  @Test
  void openAiRequestGivesModelKeyOrgProjectAndEndUser() {
    String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"the model is \\\"x\\\"\"}],"
        + "\"model\":\"gpt-4o-mini\",\"user\":\"end-user-7\",\"stream\":false}";
    RequestFacts facts = RequestFacts.read(
        "POST",
        "api.openai.com",
        "/v1/chat/completions",
        headers(Map.of(
            "Authorization", "Bearer " + KEY,
            "OpenAI-Organization", "org_1",
            "OpenAI-Project", "proj_1")),
        () -> body.getBytes(StandardCharsets.UTF_8));

    assertThat(facts.provider).isEqualTo("openai");
    assertThat(facts.operation).isEqualTo("chat");
    assertThat(facts.requestModel).isEqualTo("gpt-4o-mini");
    assertThat(facts.apiKey).isEqualTo("Bearer " + KEY);
    assertThat(facts.orgId).isEqualTo("org_1");
    assertThat(facts.projectId).isEqualTo("proj_1");
    assertThat(facts.endUser).isEqualTo("end-user-7");
    assertThat(facts.toString()).doesNotContain(KEY).doesNotContain("secret");
  }

  @Test
  void nestedModelFieldsAreNotMistakenForTheRequestModel() {
    String body =
        "{\"input\":[{\"model\":\"not-this\"}],\"tools\":[],\"model\":\"text-embedding-3-small\"}";
    RequestFacts facts = RequestFacts.read(
        "POST", "api.openai.com", "/v1/embeddings", headers(Map.of()), body::getBytes);

    assertThat(facts.requestModel).isEqualTo("text-embedding-3-small");
  }

  @Test
  void azureRequestUsesTheApiKeyHeaderAndTheDeploymentAsModel() {
    RequestFacts facts = RequestFacts.read(
        "POST",
        "contoso.openai.azure.com",
        "/openai/deployments/gpt4o-prod/chat/completions",
        headers(Map.of("api-key", "azure-key-1234", "Authorization", "Bearer ignored-token")),
        () -> "{\"messages\":[]}".getBytes(StandardCharsets.UTF_8));

    assertThat(facts.provider).isEqualTo("azure.ai.openai");
    assertThat(facts.apiKey).isEqualTo("azure-key-1234");
    assertThat(facts.requestModel).isEqualTo("gpt4o-prod");
  }

  @Test
  void unreadableBodyLeavesTheModelUnknown() {
    RequestFacts facts = RequestFacts.read(
        "POST", "api.openai.com", "/v1/responses", headers(Map.of()), () -> "not json".getBytes());

    assertThat(facts.operation).isEqualTo("responses");
    assertThat(facts.requestModel).isNull();
  }

  @Test
  void unmeteredRequestIsNotReadAtAll() {
    assertThat(RequestFacts.read("GET", "api.openai.com", "/v1/models", headers(Map.of()), () -> {
          throw new AssertionError("the body of an unmetered request must not be read");
        }))
        .isNull();
  }

  private static UnaryOperator<String> headers(Map<String, String> headers) {
    Map<String, String> ignoringCase = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    ignoringCase.putAll(headers);
    return ignoringCase::get;
  }
}
