package io.tokenmeter.sdk.openai;

import com.openai.core.RequestOptions;
import com.openai.core.http.HttpClient;
import com.openai.core.http.HttpRequest;
import com.openai.core.http.WebSocketClient;
import io.tokenmeter.sdk.Tokenmeter;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link MeteredHttpClient} over a transport that can also open WebSockets (the OkHttp one
 * can). The OpenAI SDK checks for {@link WebSocketClient} to offer the Responses and Realtime
 * WebSocket modes, so the decorator must keep that ability. WebSocket sessions are not metered.
 */
final class MeteredWebSocketHttpClient extends MeteredHttpClient implements WebSocketClient {

  /** {@code delegate} is also a {@link WebSocketClient}. */
  MeteredWebSocketHttpClient(HttpClient delegate, Tokenmeter tokenmeter) {
    super(delegate, tokenmeter);
  }

  @Override
  public CompletableFuture<Connection> connectWebSocket(
      HttpRequest request, RequestOptions requestOptions, int maxRetries, Listener listener) {
    return ((WebSocketClient) delegate)
        .connectWebSocket(request, requestOptions, maxRetries, listener);
  }
}
