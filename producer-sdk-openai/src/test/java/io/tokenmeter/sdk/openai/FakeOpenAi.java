package io.tokenmeter.sdk.openai;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP server on 127.0.0.1 playing the OpenAI API: it answers each request with the next
 * scripted {@link Reply}, whatever the path, and remembers what it was sent.
 */
final class FakeOpenAi implements AutoCloseable {

  /** One scripted answer. Body parts are flushed one by one, as a streaming server does. */
  record Reply(
      int status,
      Map<String, String> headers,
      List<String> bodyParts,
      CountDownLatch heldUntil,
      boolean dropsConnection) {

    static Reply json(int status, String body, Map<String, String> headers) {
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.put("Content-Type", "application/json");
      return new Reply(status, h, List.of(body), null, false);
    }

    static Reply eventStream(List<String> events) {
      return new Reply(
          200, Map.of("Content-Type", "text/event-stream; charset=utf-8"), events, null, false);
    }

    /** Answers only once {@code latch} opens: for callers that give up first (timeouts). */
    Reply heldUntil(CountDownLatch latch) {
      return new Reply(status, headers, bodyParts, latch, dropsConnection);
    }

    /** Closes the connection after the body parts, before the promised length was sent. */
    Reply cutOff() {
      return new Reply(status, headers, bodyParts, heldUntil, true);
    }
  }

  /** What the server received. */
  record Received(String method, String path, Map<String, List<String>> headers, String body) {}

  private final HttpServer server;
  private final ExecutorService handlers = Executors.newCachedThreadPool();
  private final LinkedBlockingQueue<Reply> replies = new LinkedBlockingQueue<>();
  private final List<Received> received = new ArrayList<>();

  private FakeOpenAi() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    // Handlers run on their own threads, so a held reply does not block the next request.
    server.setExecutor(handlers);
    server.start();
  }

  static FakeOpenAi start() throws IOException {
    return new FakeOpenAi();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  void enqueue(Reply... scripted) {
    replies.addAll(List.of(scripted));
  }

  synchronized List<Received> received() {
    return List.copyOf(received);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      synchronized (this) {
        received.add(new Received(
            exchange.getRequestMethod(),
            exchange.getRequestURI().getPath(),
            Map.copyOf(exchange.getRequestHeaders()),
            body));
      }
      Reply reply = replies.poll();
      if (reply == null) {
        reply = Reply.json(500, "{\"error\":{\"message\":\"no scripted reply\"}}", Map.of());
      }
      if (reply.heldUntil() != null && !reply.heldUntil().await(60, TimeUnit.SECONDS)) {
        return;
      }
      reply.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
      boolean streamed = reply.bodyParts().size() > 1;
      byte[] whole = String.join("", reply.bodyParts()).getBytes(StandardCharsets.UTF_8);
      // A dropped connection promises more bytes than it sends, so the client sees a cut-off
      // body rather than a complete one.
      long length = reply.dropsConnection() ? whole.length + 4096 : streamed ? 0 : whole.length;
      exchange.sendResponseHeaders(reply.status(), length);
      OutputStream out = exchange.getResponseBody();
      for (String part : reply.bodyParts()) {
        out.write(part.getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException clientGone) {
      // The client gave up (a timeout test): nothing to answer.
    }
  }

  @Override
  public void close() {
    server.stop(0);
    handlers.shutdownNow();
  }
}
