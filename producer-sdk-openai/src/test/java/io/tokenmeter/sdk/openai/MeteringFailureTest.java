package io.tokenmeter.sdk.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.core.http.HttpClient;
import com.openai.core.http.HttpMethod;
import com.openai.core.http.HttpRequest;
import com.openai.core.http.HttpRequestBody;
import com.openai.core.http.HttpResponse;
import io.tokenmeter.sdk.Tokenmeter;
import io.tokenmeter.sdk.openai.FakeOpenAi.Reply;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A failure inside the metering never reaches the caller: the call goes on unmetered and the
 * failure is counted. The failure here is a request body that refuses to be written the first
 * time, which is when the metering reads it for the model; the real send, after it, succeeds.
 */
class MeteringFailureTest {

  private static final byte[] REQUEST =
      "{\"model\":\"gpt-4o-mini\"}".getBytes(StandardCharsets.UTF_8);
  private static final String ANSWER = "{\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o-mini\"}";

  private FakeOpenAi openAi;
  private Tokenmeter tm;

  @BeforeEach
  void start() throws IOException {
    openAi = FakeOpenAi.start();
    int nowhere;
    try (ServerSocket s = new ServerSocket(0)) {
      nowhere = s.getLocalPort();
    }
    // No broker: the failure is counted on the caller's thread, before anything is sent.
    tm = Tokenmeter.builder()
        .bootstrapServers("127.0.0.1:" + nowhere)
        .service("unit")
        .environment("test")
        .fingerprintSecret("unit-secret-0123456789abcdef0123456789abcdef")
        .build();
  }

  @AfterEach
  void stop() {
    tm.close(Duration.ofMillis(500));
    openAi.close();
  }

  @Test
  void failureInsideTheInterceptorIsCountedAndTheCallGoesOn() throws IOException {
    openAi.enqueue(Reply.json(200, ANSWER, Map.of()));
    OkHttpClient http = new OkHttpClient.Builder()
        .addInterceptor(TokenmeterOpenAi.interceptor(tm))
        .build();
    Request request = new Request.Builder()
        .url(openAi.baseUrl() + "/chat/completions")
        .post(new FailsFirstWrite())
        .build();

    try (Response response = http.newCall(request).execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.body().string()).isEqualTo(ANSWER);
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
    assertThat(openAi.received())
        .singleElement()
        .extracting(FakeOpenAi.Received::body)
        .isEqualTo(new String(REQUEST, StandardCharsets.UTF_8));
    assertThat(tm.stats().recorded()).isEqualTo(1);
    assertThat(tm.stats().droppedInvalid()).isEqualTo(1);
  }

  @Test
  void failureInsideTheTransportDecoratorIsCountedAndTheCallGoesOn() throws IOException {
    openAi.enqueue(Reply.json(200, ANSWER, Map.of()));
    HttpRequest request = HttpRequest.builder()
        .method(HttpMethod.POST)
        .baseUrl(openAi.baseUrl())
        .addPathSegments("chat", "completions")
        .body(new FailsFirstWriteTo())
        .build();

    try (HttpClient http = TokenmeterOpenAi.wrap(
            com.openai.client.okhttp.OkHttpClient.builder().build(), tm);
        HttpResponse response = http.execute(request)) {
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(new String(response.body().readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo(ANSWER);
    }
    assertThat(tm.stats().recorded()).isEqualTo(1);
    assertThat(tm.stats().droppedInvalid()).isEqualTo(1);
  }

  /** An OkHttp JSON body whose first write fails. */
  private static final class FailsFirstWrite extends RequestBody {
    private int writes;

    @Override
    public MediaType contentType() {
      return MediaType.get("application/json");
    }

    @Override
    public long contentLength() {
      return REQUEST.length;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      if (writes++ == 0) {
        throw new IllegalStateException("the first write fails");
      }
      sink.write(REQUEST);
    }
  }

  /** An OpenAI SDK JSON body whose first write fails. */
  private static final class FailsFirstWriteTo implements HttpRequestBody {
    private int writes;

    @Override
    public void writeTo(OutputStream out) {
      if (writes++ == 0) {
        throw new IllegalStateException("the first write fails");
      }
      try {
        out.write(REQUEST);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public String contentType() {
      return "application/json";
    }

    @Override
    public long contentLength() {
      return REQUEST.length;
    }

    @Override
    public boolean repeatable() {
      return true;
    }

    @Override
    public void close() {}
  }
}
