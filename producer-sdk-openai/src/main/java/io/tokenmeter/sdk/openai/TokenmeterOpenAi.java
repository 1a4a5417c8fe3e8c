package io.tokenmeter.sdk.openai;

import com.openai.core.http.HttpClient;
import com.openai.core.http.WebSocketClient;
import io.tokenmeter.sdk.Tokenmeter;
import java.util.Objects;
import okhttp3.Interceptor;

/**
 * Meters the official OpenAI Java SDK: every HTTP attempt it makes to a model endpoint (chat
 * completions, responses, embeddings, completions, moderations, image generation, speech)
 * becomes one Tokenmeter event, with usage, models, status, error type, rate-limit headers,
 * duration and, for streams, time to first token. The API key is taken from the request's {@code
 * Authorization} header and reaches Tokenmeter only to be fingerprinted.
 *
 * <pre>{@code
 * Tokenmeter tm = Tokenmeter.builder()...build();
 *
 * OpenAIClient client = OpenAIOkHttpClient.builder()
 *     .fromEnv()
 *     .addInterceptor(TokenmeterOpenAi.interceptor(tm))
 *     .build();
 * }</pre>
 *
 * <p>Metering never changes what the caller gets: the same responses, the same exceptions, the
 * same streams. A failure inside the metering is swallowed and counted as an {@code invalid} drop
 * in {@link Tokenmeter#stats()}. Retries by the OpenAI SDK are separate attempts, so a call that
 * is retried once after a 429 gives two events: one {@code rate_limited}, one successful.
 */
public final class TokenmeterOpenAi {

  private TokenmeterOpenAi() {}

  /**
   * An OkHttp interceptor for {@code OpenAIOkHttpClient.builder().addInterceptor(...)} (and the
   * same method of {@code OpenAIOkHttpClientAsync}). The usual way in: every other setting of the
   * builder stays as it was.
   *
   * @throws NullPointerException if {@code tokenmeter} is null
   */
  public static Interceptor interceptor(Tokenmeter tokenmeter) {
    return new TokenmeterInterceptor(Objects.requireNonNull(tokenmeter, "tokenmeter"));
  }

  /**
   * Decorates an OpenAI SDK transport, for code that assembles its client from {@code
   * ClientOptions} or brings its own {@link HttpClient}:
   *
   * <pre>{@code
   * ClientOptions options = ClientOptions.builder()
   *     .httpClient(TokenmeterOpenAi.wrap(OkHttpClient.builder().build(), tm))
   *     .apiKey(apiKey)
   *     .build();
   * OpenAIClient client = new OpenAIClientImpl(options);
   * }</pre>
   *
   * The result keeps the transport's WebSocket ability, if it has one. Closing it closes the
   * transport.
   *
   * @throws NullPointerException if an argument is null
   */
  public static HttpClient wrap(HttpClient transport, Tokenmeter tokenmeter) {
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(tokenmeter, "tokenmeter");
    return transport instanceof WebSocketClient
        ? new MeteredWebSocketHttpClient(transport, tokenmeter)
        : new MeteredHttpClient(transport, tokenmeter);
  }
}
