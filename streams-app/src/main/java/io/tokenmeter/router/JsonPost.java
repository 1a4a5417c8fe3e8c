package io.tokenmeter.router;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * One JSON POST to a receiver, and what its answer means for delivery: 2xx accepted; 429, 5xx,
 * timeouts and network errors retried (honouring {@code Retry-After}); any other status refused
 * for good. The request body may hold a secret (the PagerDuty routing key), so it never appears in
 * an outcome or a log.
 */
final class JsonPost {

  /** Enough of an error response to see why, short enough for a Kafka header. */
  static final int MAX_EXCERPT_CHARS = 1000;

  private final HttpClient http;
  private final Duration timeout;
  private final Clock clock;

  JsonPost(HttpClient http, Duration timeout, Clock clock) {
    this.http = http;
    this.timeout = timeout;
    this.clock = clock;
  }

  static HttpClient newClient(Duration connectTimeout) {
    // HTTP/1.1: every webhook receiver speaks it, and no h2c upgrade dance with plain-http ones.
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /** @param secret text to blank out of a response excerpt, or null */
  Delivery send(URI url, String json, Map<String, String> headers, String secret) {
    HttpRequest.Builder request = HttpRequest.newBuilder(url)
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .header("User-Agent", "tokenmeter-router")
        .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
    headers.forEach(request::header);
    HttpResponse<InputStream> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      // Timeouts (HttpTimeoutException), refused connections and resets: the receiver may be back
      // soon.
      return new Delivery.RetryLater(
          Optional.empty(), e.getClass().getSimpleName() + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Delivery.RetryLater(Optional.empty(), "interrupted");
    }
    int status = response.statusCode();
    String excerpt = excerpt(response.body(), secret);
    if (status >= 200 && status < 300) {
      return Delivery.accepted();
    }
    if (status == 429 || status >= 500) {
      Optional<Duration> retryAfter =
          RetryAfter.parse(response.headers().firstValue("Retry-After").orElse(null), clock);
      return new Delivery.RetryLater(retryAfter, "HTTP " + status);
    }
    return new Delivery.Rejected(status, excerpt);
  }

  private static String excerpt(InputStream body, String secret) {
    try (body) {
      // Read a little more than we keep so that a multi-byte character at the edge is not cut.
      String text = new String(body.readNBytes(MAX_EXCERPT_CHARS * 4), StandardCharsets.UTF_8);
      if (secret != null && !secret.isEmpty()) {
        text = text.replace(secret, "[redacted]");
      }
      return ReceiverLimits.truncate(text, MAX_EXCERPT_CHARS);
    } catch (IOException e) {
      return "(response body unreadable: " + e.getClass().getSimpleName() + ")";
    }
  }
}
