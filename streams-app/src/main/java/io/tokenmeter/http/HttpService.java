package io.tokenmeter.http;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.tokenmeter.config.HttpSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP endpoints of one Tokenmeter process, on the JDK's own server: {@code /health} for
 * container and load-balancer checks, and the query endpoints as they come. Bound to {@code
 * http.host}, 127.0.0.1 unless the operator opens it up. With {@code http.auth.token} set, every
 * context but {@code /health} wants the token ({@link TokenAuth}); probes carry no credentials and
 * the health answer tells nothing worth hiding.
 */
public final class HttpService implements AutoCloseable {

  static final int THREADS = 8;
  private static final Logger LOG = LoggerFactory.getLogger(HttpService.class);

  private final HttpServer server;
  private final ExecutorService executor;

  private HttpService(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Binds {@code settings.host():settings.port()} and serves {@code handlers} (context path to
   * handler).
   *
   * @throws UncheckedIOException naming the address when it cannot be bound
   */
  public static HttpService start(HttpSettings settings, Map<String, HttpHandler> handlers) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot listen on " + settings.host() + ":" + settings.port()
              + " (http.host, http.port): " + e.getMessage(),
          e);
    }
    settings
        .authToken()
        .ifPresentOrElse(
            token -> handlers.forEach((path, handler) -> server.createContext(
                path, path.equals(HealthEndpoint.PATH) ? handler : new TokenAuth(token, handler))),
            () -> {
              handlers.forEach(server::createContext);
              String warning =
                  openToOthersWarning(server.getAddress(), settings, handlers.keySet());
              if (warning != null) {
                LOG.warn(warning);
              }
            });
    // A few threads: a slow client must not hold up a health check, and a query waits for the other
    // instances' internal endpoints while they may be waiting for this one's; two threads per
    // instance could all be taken by such waits until the peer timeout.
    ExecutorService executor = Executors.newFixedThreadPool(THREADS, r -> {
      Thread t = new Thread(r, "tokenmeter-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.start();
    return new HttpService(server, executor);
  }

  /**
   * Serving data on an address other hosts reach, with nothing to keep them out, is worth saying
   * loudly: the query API and the dashboard show every org's spend and key hints.
   */
  static String openToOthersWarning(
      InetSocketAddress bound, HttpSettings settings, Set<String> paths) {
    boolean onlyHealth = paths.stream().allMatch(HealthEndpoint.PATH::equals);
    if (onlyHealth || settings.authToken().isPresent() || bound.getAddress().isLoopbackAddress()) {
      return null;
    }
    return "HTTP endpoints on http.host=" + settings.host()
        + " are reachable from other hosts without"
        + " authentication; set http.auth.token (TOKENMETER_HTTP_AUTH_TOKEN) and put a TLS proxy in front, or"
        + " bind http.host=127.0.0.1 (docs/configuration.md, Securing the HTTP endpoints)";
  }

  /** The bound address; its port differs from {@code http.port} when that was 0. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** The bound port; differs from {@code http.port} when that was 0. */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
