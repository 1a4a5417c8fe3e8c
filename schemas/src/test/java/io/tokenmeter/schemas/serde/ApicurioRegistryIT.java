package io.tokenmeter.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.testkit.ApicurioRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The serde against a real Apicurio Registry through its Confluent-compatible API: what the fake
 * registry of the unit tests cannot prove, namely that a real registry stores what we send, hands
 * it back by id, and enforces the compatibility rule with a reason we pass on. Each test uses its
 * own topic, so subjects do not interfere.
 */
class ApicurioRegistryIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final String V1_TEXT = BundledSchemas.text("LlmCallEvent", 1);

  private static ApicurioRegistry registry;
  private static HttpClient http;

  @BeforeAll
  static void startRegistry() {
    registry = ApicurioRegistry.start();
    http = HttpClient.newHttpClient();
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void firstSerializeRegistersTheExactBundledSchemaUnderTheTopicValueSubject() throws Exception {
    byte[] bytes = serializer(LlmCallEvent.class).serialize("it.register", CallEvents.golden());

    JsonNode latest = get("/subjects/it.register-value/versions/latest");
    assertThat(bytes[0]).isZero();
    assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(latest.get("id").asInt());
    assertThat(latest.get("schema").asText()).isEqualTo(V1_TEXT);
  }

  @Test
  void freshDeserializerFetchesTheWriterSchemaById() {
    byte[] bytes = serializer(LlmCallEvent.class).serialize("it.cold", CallEvents.golden());

    // A new instance has an empty cache: the schema can only come from the registry.
    LlmCallEvent read = new AvroDeserializer<>(
            LlmCallEvent.class, AvroSerdeConfig.withRegistry(registry.ccompatUrl()))
        .deserialize("it.cold", bytes);

    assertThat(read).isEqualTo(CallEvents.golden());
  }

  @Test
  void schemaIdTheRegistryDoesNotHoldIsRefusedWithItsAnswer() {
    byte[] bytes = serializer(LlmCallEvent.class).serialize("it.unknown", CallEvents.golden());
    ByteBuffer.wrap(bytes).putInt(1, 987_654);
    var deserializer = new AvroDeserializer<>(
        LlmCallEvent.class, AvroSerdeConfig.withRegistry(registry.ccompatUrl()));

    assertThatThrownBy(() -> deserializer.deserialize("it.unknown", bytes))
        .isExactlyInstanceOf(SerializationException.class)
        .hasMessageContaining("refused to fetch schema id 987654: HTTP 404")
        .hasMessageContaining("987654");
  }

  @Test
  void compatibleNextVersionIsAcceptedUnderBackward() throws Exception {
    String subject = "it.evolve-value";
    requireBackwardCompatibility(subject);
    int v1 = client().idFor(subject, V1_TEXT, true);

    int v2 =
        client().idFor(subject, resource("/evolution/LlmCallEvent-v2-optional-field.avsc"), true);

    assertThat(v2).isNotEqualTo(v1);
  }

  @Test
  void breakingVersionIsRejectedWithTheRegistrysReason() throws Exception {
    String subject = "it.break-value";
    requireBackwardCompatibility(subject);
    client().idFor(subject, V1_TEXT, true);
    String addsRequiredField = V1_TEXT.replace(
        "{\"name\": \"event_id\", \"type\": \"string\"",
        "{\"name\": \"tenant\", \"type\": \"string\"},\n    {\"name\": \"event_id\", \"type\": \"string\"");
    assertThat(addsRequiredField).isNotEqualTo(V1_TEXT);

    assertThatThrownBy(() -> client().idFor(subject, addsRequiredField, true))
        .isExactlyInstanceOf(SerializationException.class)
        .hasMessageContaining("refused to register schema under subject it.break-value: HTTP 409")
        .hasMessageContaining("Incompatible artifact")
        .hasMessageContaining("tenant");
  }

  @Test
  void wrongRecordTypeOnATopicIsRejectedBeforeAnyByteIsWritten() throws Exception {
    String topic = "it.wrong-type";
    requireBackwardCompatibility(topic + "-value");
    serializer(LlmCallEvent.class).serialize(topic, CallEvents.golden());
    AvroSerializer<Alert> alerts = serializer(Alert.class);

    assertThatThrownBy(() -> alerts.serialize(topic, alert()))
        .isExactlyInstanceOf(SerializationException.class)
        .hasMessageContaining(
            "refused to register schema under subject it.wrong-type-value: HTTP 409")
        .hasMessageContaining("Incompatible artifact");
  }

  /**
   * Apicurio starts with no compatibility rule (NONE). The ccompat {@code PUT /config/{subject}}
   * sets one for a subject, before or after its first version.
   */
  private static void requireBackwardCompatibility(String subject) throws Exception {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(URI.create(registry.ccompatUrl() + "/config/" + subject))
            .header("Content-Type", CONTENT_TYPE)
            .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"BACKWARD\"}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(get("/config/" + subject).path("compatibilityLevel").asText()).isEqualTo("BACKWARD");
  }

  private static JsonNode get(String path) throws Exception {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(URI.create(registry.ccompatUrl() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static <T extends org.apache.avro.specific.SpecificRecord> AvroSerializer<T> serializer(
      Class<T> type) {
    return new AvroSerializer<>(type, AvroSerdeConfig.withRegistry(registry.ccompatUrl()));
  }

  private static SchemaRegistryClient client() {
    return new SchemaRegistryClient(URI.create(registry.ccompatUrl()));
  }

  private static Alert alert() {
    return Alert.newBuilder()
        .setDedupKey("rate_limit_tokens/org-acme/gpt-4o")
        .setState(AlertState.FIRING)
        .setAlertType("rate_limit_tokens")
        .setSeverity("warning")
        .setScope(Map.of("org_id", "org-acme", "model", "gpt-4o"))
        .setSummary("org-acme used 82% of its gpt-4o token limit")
        .setEmittedAt(Instant.parse("2025-01-02T03:05:00Z"))
        .build();
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = ApicurioRegistryIT.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }
}
