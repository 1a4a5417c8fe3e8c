package io.tokenmeter.dashboard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The single-page dashboard: {@code GET /} serves {@code index.html}, and {@code GET /dashboard/*}
 * the page's script, style and the vendored uPlot, all from the classpath under {@code
 * io/tokenmeter/dashboard/}. The page itself reads {@code /api/v1/*}; nothing here is dynamic.
 *
 * <p>Registered on the context {@code /}, so it also answers every path no other context claims:
 * those get a 404, as do names outside the allowed pattern ({@code ..}, absolute or encoded paths).
 */
public final class DashboardEndpoint implements HttpHandler {

  /** The context path to register; more specific contexts ({@code /health}, {@code /api}) win. */
  public static final String PATH = "/";

  private static final String ASSETS = "/dashboard/";
  private static final String ROOT = "io/tokenmeter/dashboard/";
  /** Segments of letters, digits, '-', '_' and '.', never starting with '.': no traversal. */
  private static final Pattern SAFE =
      Pattern.compile("([A-Za-z0-9_-][A-Za-z0-9._-]*/)*[A-Za-z0-9_-][A-Za-z0-9._-]*");

  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8",
      "png", "image/png",
      "svg", "image/svg+xml");

  private final ClassLoader loader;

  public DashboardEndpoint() {
    this(DashboardEndpoint.class.getClassLoader());
  }

  DashboardEndpoint(ClassLoader loader) {
    this.loader = loader;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getRawPath();
      String name = resourceName(path);
      if (name == null) {
        send(
            exchange,
            404,
            "text/plain; charset=utf-8",
            "no-store",
            "not found\n".getBytes(StandardCharsets.UTF_8));
        return;
      }
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(
            exchange,
            405,
            "text/plain; charset=utf-8",
            "no-store",
            "method not allowed\n".getBytes(StandardCharsets.UTF_8));
        return;
      }
      byte[] body;
      try (InputStream in = loader.getResourceAsStream(ROOT + name)) {
        if (in == null) {
          send(
              exchange,
              404,
              "text/plain; charset=utf-8",
              "no-store",
              "not found\n".getBytes(StandardCharsets.UTF_8));
          return;
        }
        body = in.readAllBytes();
      }
      // The page and its own files change with each release: revalidate. The vendored library
      // carries its version in the folder name's README only, so it is cached for a day, not
      // forever.
      String cache = name.startsWith("vendor/") ? "public, max-age=86400" : "no-cache";
      send(exchange, 200, TYPES.get(extension(name)), cache, body);
    }
  }

  /** The resource under {@link #ROOT} for a request path, or null when none may be served. */
  static String resourceName(String rawPath) {
    if (rawPath.equals("/") || rawPath.equals("/index.html")) {
      return "index.html";
    }
    if (!rawPath.startsWith(ASSETS)) {
      return null;
    }
    String name = rawPath.substring(ASSETS.length());
    if (!SAFE.matcher(name).matches()
        || name.contains("..")
        || !TYPES.containsKey(extension(name))) {
      return null;
    }
    return name;
  }

  private static String extension(String name) {
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(dot + 1);
  }

  private static void send(
      HttpExchange exchange, int status, String type, String cache, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", cache);
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
