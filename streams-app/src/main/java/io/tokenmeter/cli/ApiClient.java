package io.tokenmeter.cli;

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
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * GETs from a running app's query API (docs/query-api.md) and tells apart the three ways that can
 * go wrong, since the CLI answers each differently: a 400 names the parameter (a usage error), no
 * answer at all means the app is not running, anything else is the app's fault.
 */
final class ApiClient {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  /**
   * How long to keep asking while the app answers 503: it does so while Kafka Streams restores or
   * rebalances, which right after 'tokenmeter run' is a matter of seconds, not a failure.
   */
  private static final Duration NOT_READY_PATIENCE = Duration.ofSeconds(10);

  /** The app's http.auth.token, read from the environment only: a flag would show in {@code ps}. */
  static final String TOKEN_ENV = "TOKENMETER_HTTP_AUTH_TOKEN";

  private final String baseUrl;
  private final HttpClient http;
  private final Optional<String> authToken;

  ApiClient(String baseUrl) {
    this(
        baseUrl,
        Optional.ofNullable(System.getenv(TOKEN_ENV)).map(String::trim).filter(t -> !t.isEmpty()));
  }

  ApiClient(String baseUrl, Optional<String> authToken) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    this.authToken = authToken;
  }

  String baseUrl() {
    return baseUrl;
  }

  /** The API's answer to a bad parameter: its message, and the parameter it names. */
  static final class BadRequest extends Exception {
    final String parameter;

    BadRequest(String message, String parameter) {
      super(message);
      this.parameter = parameter;
    }
  }

  /** Nobody answered at the URL, or the app answered with an error that is not about the request. */
  static final class Unavailable extends Exception {
    Unavailable(String message) {
      super(message);
    }
  }

  JsonNode get(String path, Map<String, String> parameters) throws BadRequest, Unavailable {
    String query = parameters.entrySet().stream()
        .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
        .collect(Collectors.joining("&"));
    URI uri;
    try {
      uri = URI.create(baseUrl + path + (query.isEmpty() ? "" : "?" + query));
    } catch (IllegalArgumentException e) {
      throw new Unavailable("--url '" + baseUrl + "' is not a URL: " + e.getMessage());
    }
    long giveUpAt = System.nanoTime() + NOT_READY_PATIENCE.toNanos();
    HttpResponse<String> response = send(uri);
    while (response.statusCode() == 503 && System.nanoTime() < giveUpAt) {
      pause(retryAfter(response));
      response = send(uri);
    }
    JsonNode body = parse(response.body());
    if (response.statusCode() == 503) {
      throw new Unavailable("the Tokenmeter app at " + baseUrl + " is not ready after "
          + NOT_READY_PATIENCE.toSeconds() + "s of asking"
          + (body != null && body.hasNonNull("error") ? ": " + body.get("error").asText() : "")
          + "; try again in a moment");
    }
    if (response.statusCode() == 401) {
      throw new Unavailable("the Tokenmeter app at " + baseUrl
          + (authToken.isPresent()
              ? " refused the token in " + TOKEN_ENV + "; set it to the app's http.auth.token"
              : " wants a token; set " + TOKEN_ENV + " to the app's http.auth.token"));
    }
    if (response.statusCode() == 400) {
      String message =
          body != null && body.hasNonNull("error") ? body.get("error").asText() : response.body();
      String parameter =
          body != null && body.hasNonNull("parameter") ? body.get("parameter").asText() : null;
      throw new BadRequest(message, parameter);
    }
    if (response.statusCode() != 200 || body == null) {
      throw new Unavailable("the Tokenmeter app at " + baseUrl + " answered " + path + " with HTTP "
          + response.statusCode()
          + (body != null && body.hasNonNull("error") ? ": " + body.get("error").asText() : ""));
    }
    return body;
  }

  private HttpResponse<String> send(URI uri) throws Unavailable {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri)
        .timeout(TIMEOUT)
        .header("Accept", "application/json")
        .GET();
    authToken.ifPresent(token -> request.header("Authorization", "Bearer " + token));
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException | IllegalArgumentException e) {
      throw new Unavailable("cannot reach the Tokenmeter app at " + baseUrl + " (" + describe(e)
          + "); start it with 'tokenmeter run', or point --url at a running one");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted while asking " + baseUrl);
    }
  }

  /** The app's Retry-After in seconds, kept between 100 ms and 2 s whatever it says. */
  private static Duration retryAfter(HttpResponse<String> response) {
    try {
      long seconds = Long.parseLong(
          response.headers().firstValue("Retry-After").orElse("1").trim());
      return Duration.ofMillis(Math.max(100, Math.min(seconds * 1000, 2000)));
    } catch (NumberFormatException e) {
      return Duration.ofSeconds(1);
    }
  }

  private void pause(Duration duration) throws Unavailable {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted while waiting for " + baseUrl);
    }
  }

  private static JsonNode parse(String body) {
    try {
      return body == null || body.isBlank() ? null : JSON.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  private static String describe(Exception e) {
    if (e instanceof java.net.ConnectException) {
      return "connection refused";
    }
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
