package io.tokenmeter.http;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.tokenmeter.config.HttpSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The HTTP endpoints of one Tokenmeter process, on the JDK's own server: {@code /health} for
 * container and load-balancer checks, and the query endpoints as they come. Bound to {@code
 * http.host}, 127.0.0.1 unless the operator opens it up.
 */
public final class HttpService implements AutoCloseable {

  static final int THREADS = 8;

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
          "cannot listen on " + settings.host() + ":" + settings.port() + " (http.host, http.port): " + e.getMessage(), e);
    }
    handlers.forEach(server::createContext);
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
