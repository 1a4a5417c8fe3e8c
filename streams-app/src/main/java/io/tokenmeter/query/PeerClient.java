package io.tokenmeter.query;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.UsageRollup;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Asks another instance for the raw rows of its local stores ({@code /internal/v1/...}): Avro
 * binary, base64, so that sketches and nulls arrive exactly as stored. With {@code
 * http.auth.token} set it sends the token as Bearer: the instances share one configuration.
 */
final class PeerClient {

  static final String INTERNAL_ROLLUPS = "/internal/v1/rollups";
  static final String INTERNAL_ALERTS = "/internal/v1/alerts";

  private final HttpClient client;
  private final Duration timeout;
  private final Optional<String> authToken;

  PeerClient(Duration timeout, Optional<String> authToken) {
    this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
    this.timeout = timeout;
    this.authToken = authToken;
  }

  CompletableFuture<List<UsageRollup>> rollups(HostInfo peer, RollupQuery q) {
    return get(peer, INTERNAL_ROLLUPS + "?" + q.toQueryString(), "rollups", RollupCodec::rollup);
  }

  CompletableFuture<List<Alert>> openAlerts(HostInfo peer) {
    return get(peer, INTERNAL_ALERTS, "alerts", RollupCodec::alert);
  }

  private <T> CompletableFuture<List<T>> get(
      HostInfo peer, String pathAndQuery, String field, Function<byte[], T> decode) {
    URI uri = URI.create("http://" + peer.host() + ":" + peer.port() + pathAndQuery);
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).GET();
    authToken.ifPresent(token -> request.header("Authorization", "Bearer " + token));
    return client
        .sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray())
        .thenApply(response -> {
          if (response.statusCode() == 401) {
            throw new StateSource.UnavailableException(
                "instance " + peer.host() + ":" + peer.port()
                    + " refused this instance's credentials; give every instance the same http.auth.token",
                null);
          }
          if (response.statusCode() != 200) {
            throw new StateSource.UnavailableException(
                "instance " + peer.host() + ":" + peer.port() + " answered "
                    + response.statusCode(),
                null);
          }
          try {
            JsonNode rows = QueryJson.MAPPER.readTree(response.body()).path(field);
            List<T> out = new ArrayList<>(rows.size());
            rows.forEach(row -> out.add(decode.apply(Base64.getDecoder().decode(row.asText()))));
            return out;
          } catch (IOException e) {
            throw new StateSource.UnavailableException(
                "instance " + peer.host() + ":" + peer.port() + " sent bad JSON", e);
          }
        });
  }
}
