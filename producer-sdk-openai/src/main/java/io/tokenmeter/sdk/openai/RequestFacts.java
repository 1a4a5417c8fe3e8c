package io.tokenmeter.sdk.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * What one metered request says about itself: provider, operation, model, key, organisation,
 * project and end user, read from its path, headers and JSON body.
 *
 * <p>{@link #toString()} leaves the key out; this object holds the plaintext key only until the
 * call is handed to {@code Tokenmeter.record}, which turns it into a fingerprint.
 */
final class RequestFacts {

  /**
   * Request bodies larger than this are not scanned for the model; the response's model is used
   * instead. Chat requests with inline images can be megabytes; the scan must stay cheap.
   */
  static final int MAX_SCANNED_BODY_BYTES = 4 * 1024 * 1024;

  private static final JsonFactory JSON = new JsonFactory();

  final String provider;
  final String operation;
  /** From the body's {@code model}, else the Azure deployment; null if neither. */
  final String requestModel;

  final String apiKey;
  final String orgId;
  final String projectId;
  final String endUser;

  private RequestFacts(
      String provider,
      String operation,
      String requestModel,
      String apiKey,
      String orgId,
      String projectId,
      String endUser) {
    this.provider = provider;
    this.operation = operation;
    this.requestModel = requestModel;
    this.apiKey = apiKey;
    this.orgId = orgId;
    this.projectId = projectId;
    this.endUser = endUser;
  }

  /**
   * Reads a request, or returns null when it is not metered (see {@link Endpoints}).
   *
   * @param header a request header's first value by name, or null
   * @param jsonBody the body's bytes, or null when it is not JSON, not repeatable or too large;
   *     only asked for metered requests
   */
  static RequestFacts read(
      String method,
      String host,
      String path,
      UnaryOperator<String> header,
      Supplier<byte[]> jsonBody) {
    String operation = Endpoints.operation(method, path);
    if (operation == null) {
      return null;
    }
    String azureKey = header.apply("api-key");
    boolean azure = azureKey != null || isAzureHost(host);
    // Azure with Entra ID sends a short-lived bearer token, not a key: fingerprinting it would
    // give a new "key" every hour, so on Azure only the api-key header counts as the key.
    String apiKey = azure ? azureKey : header.apply("Authorization");
    BodyFields body = BodyFields.read(jsonBody.get());
    String model = body.model != null ? body.model : Endpoints.azureDeployment(path);
    return new RequestFacts(
        azure ? "azure.ai.openai" : "openai",
        operation,
        model,
        apiKey,
        header.apply("OpenAI-Organization"),
        header.apply("OpenAI-Project"),
        body.user);
  }

  private static boolean isAzureHost(String host) {
    if (host == null) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    return h.endsWith(".openai.azure.com")
        || h.endsWith(".cognitiveservices.azure.com")
        || h.endsWith(".services.ai.azure.com");
  }

  @Override
  public String toString() {
    return "RequestFacts{provider="
        + provider
        + ", operation="
        + operation
        + ", requestModel="
        + requestModel
        + ", apiKey="
        + (apiKey == null ? "none" : "(redacted)")
        + ", orgId="
        + orgId
        + ", projectId="
        + projectId
        + "}";
  }

  /** The top-level {@code model} and {@code user} of a JSON request body. */
  private record BodyFields(String model, String user) {

    static final BodyFields NONE = new BodyFields(null, null);

    static BodyFields read(byte[] json) {
      if (json == null || json.length == 0) {
        return NONE;
      }
      String model = null;
      String user = null;
      try (JsonParser p = JSON.createParser(json)) {
        if (p.nextToken() != JsonToken.START_OBJECT) {
          return NONE;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          JsonToken value = p.nextToken();
          if (value == JsonToken.VALUE_STRING && name.equals("model")) {
            model = p.getText();
          } else if (value == JsonToken.VALUE_STRING && name.equals("user")) {
            user = p.getText();
          } else {
            // Messages and inputs are skipped without being decoded into strings.
            p.skipChildren();
          }
        }
      } catch (IOException | RuntimeException malformed) {
        // What was read before the damage is still what the request said.
      }
      return new BodyFields(model, user);
    }
  }
}
