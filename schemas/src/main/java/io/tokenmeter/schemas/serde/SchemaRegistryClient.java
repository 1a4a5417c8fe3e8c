package io.tokenmeter.schemas.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.kafka.common.errors.SerializationException;

/**
 * A minimal client of the Confluent-compatible schema registry REST API (Confluent, or Apicurio's
 * {@code /apis/ccompat/v7}). Schemas are cached by id and by (subject, schema text), so a warm
 * serde makes no HTTP calls.
 */
final class SchemaRegistryClient {

  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final URI base;
  private final HttpClient http;
  private final Map<Integer, Schema> byId = new ConcurrentHashMap<>();
  private final Map<String, Integer> idBySubjectAndText = new ConcurrentHashMap<>();

  SchemaRegistryClient(URI base) {
    this.base = base;
    this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  }

  URI base() {
    return base;
  }

  /** The writer schema with this global id, from the cache or the registry. */
  Schema schemaById(int id) {
    Schema cached = byId.get(id);
    if (cached != null) {
      return cached;
    }
    String what = "fetch schema id " + id;
    JsonNode body = call("GET", "/schemas/ids/" + id, null, what);
    // Confluent's API omits schemaType for Avro and names it for JSON Schema and Protobuf.
    String schemaType = body.path("schemaType").asText("AVRO");
    if (!"AVRO".equals(schemaType)) {
      throw new SerializationException("schema registry " + base + " holds a " + schemaType
          + " schema under id " + id + ", not an Avro one");
    }
    JsonNode text = body.get("schema");
    if (text == null || !text.isTextual()) {
      throw new SerializationException(
          "schema registry " + base + " answered without a schema when asked to " + what);
    }
    Schema schema;
    try {
      schema = new Schema.Parser().parse(text.asText());
    } catch (RuntimeException e) {
      // Avro's parser throws SchemaParseException, AvroTypeException or, for an unknown type
      // name, a NullPointerException.
      throw new SerializationException(
          "schema registry " + base + " holds an unparseable Avro schema under id " + id + ": "
              + e.getMessage(),
          e);
    }
    byId.put(id, schema);
    return schema;
  }

  /**
   * The id of {@code schemaText} under {@code subject}: looked up, or registered when {@code
   * register} is set. The exact text is sent, so the registry stores the bundled {@code .avsc}.
   */
  int idFor(String subject, String schemaText, boolean register) {
    String cacheKey = subject + '\u0000' + schemaText;
    Integer cached = idBySubjectAndText.get(cacheKey);
    if (cached != null) {
      return cached;
    }
    String payload;
    try {
      payload = JSON.writeValueAsString(Map.of("schema", schemaText));
    } catch (IOException e) {
      throw new SerializationException("cannot encode schema for subject " + subject, e);
    }
    String path = "/subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8);
    JsonNode body = register
        ? call("POST", path + "/versions", payload, "register schema under subject " + subject)
        : call("POST", path, payload, "look up schema under subject " + subject);
    JsonNode idNode = body.path("id");
    if (!idNode.isIntegralNumber() || !idNode.canConvertToInt()) {
      throw new SerializationException("schema registry " + base
          + " answered without an id for subject " + subject + ": " + body);
    }
    int id = idNode.intValue();
    idBySubjectAndText.put(cacheKey, id);
    byId.putIfAbsent(id, new Schema.Parser().parse(schemaText));
    return id;
  }

  private JsonNode call(String method, String path, String payload, String what) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
        .timeout(TIMEOUT)
        .header("Accept", CONTENT_TYPE + ", application/json");
    if (payload == null) {
      request.GET();
    } else {
      request
          .header("Content-Type", CONTENT_TYPE)
          .method(method, HttpRequest.BodyPublishers.ofString(payload));
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new SerializationException(
          "schema registry " + base + " unreachable; could not " + what + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SerializationException("interrupted while trying to " + what, e);
    }
    if (response.statusCode() / 100 != 2) {
      throw new SerializationException("schema registry " + base + " refused to " + what + ": HTTP "
          + response.statusCode() + " " + response.body());
    }
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new SerializationException(
          "schema registry " + base + " answered with invalid JSON when asked to " + what, e);
    }
  }
}
