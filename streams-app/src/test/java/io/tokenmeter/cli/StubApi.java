package io.tokenmeter.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for the app's query API (docs/query-api.md): answers one path with a canned status
 * and body, and keeps the query parameters of every request, so a test can check what the CLI
 * asked for as well as what it printed.
 */
final class StubApi implements AutoCloseable {

  record Request(String path, Map<String, String> parameters) {}

  private final HttpServer server;
  final List<Request> requests = new CopyOnWriteArrayList<>();
  private volatile int status = 200;
  private volatile String body = "{}";
  /** Answers given before the standing one, first to last, one per request. */
  private final java.util.Queue<String[]> first =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  StubApi() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      requests.add(new Request(
          exchange.getRequestURI().getPath(),
          parameters(exchange.getRequestURI().getRawQuery())));
      String[] once = first.poll();
      int code = once != null ? Integer.parseInt(once[0]) : status;
      byte[] bytes = (once != null ? once[1] : body).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      if (code == 503) {
        exchange.getResponseHeaders().add("Retry-After", "1");
      }
      exchange.sendResponseHeaders(code, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    server.start();
  }

  StubApi answer(int status, String body) {
    this.status = status;
    this.body = body;
    return this;
  }

  /** One answer for the next request only, before the standing one. */
  StubApi answerOnce(int status, String body) {
    first.add(new String[] {Integer.toString(status), body});
    return this;
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  Request onlyRequest() {
    if (requests.size() != 1) {
      throw new AssertionError("expected one request, got " + requests);
    }
    return requests.get(0);
  }

  private static Map<String, String> parameters(String rawQuery) {
    Map<String, String> parameters = new LinkedHashMap<>();
    if (rawQuery == null) {
      return parameters;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      parameters.put(
          URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return parameters;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
