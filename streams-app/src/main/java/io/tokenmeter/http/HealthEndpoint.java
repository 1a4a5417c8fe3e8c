package io.tokenmeter.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * {@code GET /health}: 200 with {@code {"status":"UP","state":"RUNNING"}} while the process does
 * its work, 503 with {@code "DOWN"} otherwise, so that Docker, Kubernetes or a load balancer can
 * restart or route around it.
 */
public final class HealthEndpoint implements HttpHandler {

  public static final String PATH = "/health";

  private final Supplier<Health> health;

  public HealthEndpoint(Supplier<Health> health) {
    this.health = health;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!exchange.getRequestURI().getPath().equals(PATH)) {
        send(exchange, 404, "{\"error\":\"not found\"}");
      } else if (!exchange.getRequestMethod().equals("GET")
          && !exchange.getRequestMethod().equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, 405, "{\"error\":\"method not allowed\"}");
      } else {
        Health now = health.get();
        send(
            exchange,
            now.up() ? 200 : 503,
            "{\"status\":\"" + (now.up() ? "UP" : "DOWN") + "\",\"state\":\"" + now.state()
                + "\"}");
      }
    }
  }

  private static void send(HttpExchange exchange, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
