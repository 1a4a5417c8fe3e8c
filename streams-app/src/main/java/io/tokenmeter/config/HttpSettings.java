package io.tokenmeter.config;

import java.util.Objects;
import java.util.Optional;

/**
 * The HTTP server for interactive queries (dashboard, {@code tokenmeter query}).
 *
 * @param enabled {@code http.enabled}, default true
 * @param host {@code http.host}, default {@code 127.0.0.1}: the address to listen on; use
 *     {@code 0.0.0.0} to serve other hosts
 * @param port {@code http.port}, default 8080; 0 picks a free port
 * @param advertisedUrl {@code http.advertised.url}, default empty: how the other instances of the
 *     app reach this one's HTTP endpoints ({@code application.server}); empty means {@code
 *     http://<http.host>:<bound port>}, or the machine's host name when the host is a wildcard
 * @param authToken {@code http.auth.token}, default empty: when set, every endpoint but {@code
 *     /health} wants it (Bearer, or as the Basic password); a secret, never printed ({@link
 *     #toString()} hides it)
 */
public record HttpSettings(
    boolean enabled,
    String host,
    int port,
    Optional<String> advertisedUrl,
    Optional<String> authToken) {

  public HttpSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(advertisedUrl, "advertisedUrl");
    Objects.requireNonNull(authToken, "authToken");
  }

  /** Without a token: every endpoint is open to whoever reaches the address. */
  public HttpSettings(boolean enabled, String host, int port, Optional<String> advertisedUrl) {
    this(enabled, host, port, advertisedUrl, Optional.empty());
  }

  /** Without an advertised URL (derived from the host and the bound port) and without a token. */
  public HttpSettings(boolean enabled, String host, int port) {
    this(enabled, host, port, Optional.empty());
  }

  /** The same settings with {@code token} required on every endpoint but {@code /health}. */
  public HttpSettings withAuthToken(String token) {
    return new HttpSettings(enabled, host, port, advertisedUrl, Optional.of(token));
  }

  @Override
  public String toString() {
    return "HttpSettings[enabled=" + enabled + ", host=" + host + ", port=" + port
        + ", advertisedUrl=" + advertisedUrl + ", authToken="
        + authToken.map(t -> ConfigKeys.REDACTED) + "]";
  }
}
