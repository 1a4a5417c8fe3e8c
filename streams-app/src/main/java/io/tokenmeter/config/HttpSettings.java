package io.tokenmeter.config;

import java.util.Objects;

/**
 * The HTTP server for interactive queries (dashboard, {@code tokenmeter query}).
 *
 * @param enabled {@code http.enabled}, default true
 * @param host {@code http.host}, default {@code 127.0.0.1}: the address to listen on; use
 *     {@code 0.0.0.0} to serve other hosts
 * @param port {@code http.port}, default 8080; 0 picks a free port
 */
public record HttpSettings(boolean enabled, String host, int port) {

  public HttpSettings {
    Objects.requireNonNull(host, "host");
  }
}
