package io.tokenmeter.router;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An Alertmanager-style webhook receiver on 127.0.0.1 and a free port for tests that run the
 * router end to end: it answers every POST with 200 and keeps each body, in arrival order.
 */
public final class RecordingWebhook implements AutoCloseable {

  private final HttpServer server;
  private final List<String> bodies = new CopyOnWriteArrayList<>();

  private RecordingWebhook() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/hook", exchange -> {
      try (exchange) {
        bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        exchange.sendResponseHeaders(200, -1);
      }
    });
    server.start();
  }

  public static RecordingWebhook start() throws IOException {
    return new RecordingWebhook();
  }

  /** What {@code router.webhook.url} should be. */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
  }

  /** Every body received so far, repeats included; a live view. */
  public List<String> bodies() {
    return bodies;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
