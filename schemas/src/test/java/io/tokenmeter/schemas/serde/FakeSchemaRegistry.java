package io.tokenmeter.schemas.serde;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An in-memory stand-in for a Confluent-compatible registry, behind a real HTTP server on
 * 127.0.0.1 and a free port: the serde's HTTP client, JSON handling and error paths all run for
 * real, while ids are predictable enough for golden bytes. Only the calls the serde makes are
 * played: register, look up under a subject, fetch by id. Real-registry behaviour (compatibility
 * rules) is proven against Apicurio in {@code ApicurioRegistryIT}.
 */
final class FakeSchemaRegistry implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern REGISTER = Pattern.compile("/subjects/([^/]+)/versions");
  private static final Pattern LOOK_UP = Pattern.compile("/subjects/([^/]+)");
  private static final Pattern BY_ID = Pattern.compile("/schemas/ids/(-?[0-9]+)");

  private final HttpServer server;
  private final AtomicInteger nextId;
  private final Map<Integer, String> textById = new ConcurrentHashMap<>();
  private final Map<String, Integer> idByText = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Integer>> idBySubjectAndText = new ConcurrentHashMap<>();
  private final Map<Integer, String> rawAnswerById = new ConcurrentHashMap<>();
  private final AtomicInteger requests = new AtomicInteger();

  private FakeSchemaRegistry(int firstId) throws IOException {
    this.nextId = new AtomicInteger(firstId);
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  /** A registry whose first registered schema gets {@code firstId}, the next one more. */
  static FakeSchemaRegistry start(int firstId) {
    try {
      return new FakeSchemaRegistry(firstId);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** HTTP requests answered so far. */
  int requests() {
    return requests.get();
  }

  /** The id of exactly this schema text under {@code subject}, or null when not registered. */
  Integer idUnder(String subject, String schemaText) {
    return idBySubjectAndText.getOrDefault(subject, Map.of()).get(schemaText);
  }

  /** Registers as a producer would, without going through the serde; returns the id. */
  int register(String subject, String schemaText) {
    int id = idByText.computeIfAbsent(schemaText, t -> nextId.getAndIncrement());
    textById.put(id, schemaText);
    idBySubjectAndText.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(schemaText, id);
    return id;
  }

  /** Makes {@code GET /schemas/ids/{id}} answer 200 with this JSON body, whatever it says. */
  void answerForId(int id, String json) {
    rawAnswerById.put(id, json);
  }

  private void handle(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    try (exchange) {
      String path = exchange.getRequestURI().getRawPath();
      String method = exchange.getRequestMethod();
      Matcher m;
      if ("POST".equals(method) && (m = REGISTER.matcher(path)).matches()) {
        int id = register(decode(m.group(1)), schemaIn(exchange));
        answer(exchange, 200, Map.of("id", id));
      } else if ("POST".equals(method) && (m = LOOK_UP.matcher(path)).matches()) {
        String subject = decode(m.group(1));
        String text = schemaIn(exchange);
        Integer id = idBySubjectAndText.getOrDefault(subject, Map.of()).get(text);
        if (id == null) {
          answer(exchange, 404, error(40403, "Schema not found"));
        } else {
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("subject", subject);
          body.put("id", id);
          body.put("schema", text);
          answer(exchange, 200, body);
        }
      } else if ("GET".equals(method) && (m = BY_ID.matcher(path)).matches()) {
        int id = Integer.parseInt(m.group(1));
        String text = textById.get(id);
        if (rawAnswerById.containsKey(id)) {
          answer(exchange, 200, JSON.readTree(rawAnswerById.get(id)));
        } else if (text == null) {
          answer(exchange, 404, error(40403, "Schema " + m.group(1) + " not found"));
        } else {
          answer(exchange, 200, Map.of("schema", text));
        }
      } else {
        answer(exchange, 404, error(404, "no such endpoint " + method + " " + path));
      }
    }
  }

  private static String schemaIn(HttpExchange exchange) throws IOException {
    return JSON.readTree(exchange.getRequestBody()).path("schema").asText();
  }

  private static String decode(String pathSegment) {
    return URLDecoder.decode(pathSegment, StandardCharsets.UTF_8);
  }

  private static Map<String, Object> error(int code, String message) {
    return Map.of("error_code", code, "message", message);
  }

  private static void answer(HttpExchange exchange, int status, Object body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
