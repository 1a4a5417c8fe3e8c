package io.tokenmeter.sdk.openai;

import com.openai.core.RequestOptions;
import com.openai.core.http.Headers;
import com.openai.core.http.HttpClient;
import com.openai.core.http.HttpRequest;
import com.openai.core.http.HttpRequestBody;
import com.openai.core.http.HttpResponse;
import io.tokenmeter.sdk.Tokenmeter;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The OpenAI SDK's transport ({@link HttpClient}), decorated: each request it sends becomes one
 * Tokenmeter event. The OpenAI SDK wraps its transport in its own retry, authentication and
 * logging layers, so this decorator sits below them and sees each attempt with its final headers.
 *
 * <p>The caller's results are the delegate's: the same response (its body watched on the way),
 * the same exception, the same future with cancellation passed on.
 */
class MeteredHttpClient implements HttpClient {

  final HttpClient delegate;
  private final Tokenmeter tokenmeter;

  MeteredHttpClient(HttpClient delegate, Tokenmeter tokenmeter) {
    this.delegate = delegate;
    this.tokenmeter = tokenmeter;
  }

  @Override
  public HttpResponse execute(HttpRequest request, RequestOptions requestOptions) {
    CallMeter meter = start(request);
    if (meter == null) {
      return delegate.execute(request, requestOptions);
    }
    HttpResponse response;
    try {
      response = delegate.execute(request, requestOptions);
    } catch (Throwable failure) {
      meter.failed(failure);
      throw failure;
    }
    return watch(meter, response);
  }

  @Override
  public CompletableFuture<HttpResponse> executeAsync(
      HttpRequest request, RequestOptions requestOptions) {
    CallMeter meter = start(request);
    if (meter == null) {
      return delegate.executeAsync(request, requestOptions);
    }
    CompletableFuture<HttpResponse> sent;
    try {
      sent = delegate.executeAsync(request, requestOptions);
    } catch (Throwable failure) {
      meter.failed(failure);
      throw failure;
    }
    CompletableFuture<HttpResponse> result = new CompletableFuture<>();
    sent.whenComplete((response, failure) -> {
      if (failure != null) {
        meter.failed(failure);
        result.completeExceptionally(failure); // as it came: get() and join() unwrap alike
      } else {
        HttpResponse watched = watch(meter, response);
        if (!result.complete(watched)) {
          watched.close(); // the caller cancelled meanwhile; nobody else will close it
        }
      }
    });
    // The delegate cancels its HTTP call when its future is cancelled; keep that working.
    result.whenComplete((response, failure) -> {
      if (result.isCancelled()) {
        sent.cancel(false);
      }
    });
    return result;
  }

  @Override
  public void close() {
    delegate.close();
  }

  /** A meter for a metered request, or null: not metered, or its facts could not be read. */
  private CallMeter start(HttpRequest request) {
    try {
      URI base = URI.create(request.baseUrl());
      String path = pathOf(base.getRawPath(), request.pathSegments());
      RequestFacts facts = RequestFacts.read(
          request.method().name(),
          base.getHost(),
          path,
          name -> first(request.headers(), name),
          () -> jsonBytes(request.body()));
      return facts == null ? null : new CallMeter(tokenmeter, facts);
    } catch (RuntimeException | LinkageError e) {
      Guard.swallow(tokenmeter, e);
      return null;
    }
  }

  private HttpResponse watch(CallMeter meter, HttpResponse response) {
    try {
      Headers headers = response.headers();
      meter.responded(
          response.statusCode(),
          RateLimitHeaders.of(headers.names(), name -> first(headers, name)),
          first(headers, "Content-Type"));
      return new MeteredHttpResponse(response, meter);
    } catch (RuntimeException | LinkageError e) {
      Guard.swallow(tokenmeter, e);
      return response;
    }
  }

  private static String pathOf(String basePath, List<String> segments) {
    StringBuilder path = new StringBuilder(basePath == null ? "" : basePath);
    for (String segment : segments) {
      path.append('/').append(segment);
    }
    return path.toString();
  }

  private static String first(Headers headers, String name) {
    List<String> values = headers.values(name);
    return values.isEmpty() ? null : values.get(0);
  }

  /** The bytes of a repeatable JSON body, or null. Writing it again does not consume it. */
  private static byte[] jsonBytes(HttpRequestBody body) {
    if (body == null
        || !body.repeatable()
        || body.contentType() == null
        || !body.contentType().toLowerCase(Locale.ROOT).contains("json")
        || body.contentLength() > RequestFacts.MAX_SCANNED_BODY_BYTES) {
      return null;
    }
    BoundedBytes bytes = new BoundedBytes();
    try {
      body.writeTo(bytes);
    } catch (BoundedBytes.Full full) {
      return null;
    }
    return bytes.toByteArray();
  }

  /** Collects at most {@link RequestFacts#MAX_SCANNED_BODY_BYTES}; a body of unknown length may be larger. */
  private static final class BoundedBytes extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      if (bytes.size() + len > RequestFacts.MAX_SCANNED_BODY_BYTES) {
        throw new Full();
      }
      bytes.write(b, off, len);
    }

    byte[] toByteArray() {
      return bytes.toByteArray();
    }

    static final class Full extends RuntimeException {
      private static final long serialVersionUID = 1L;

      Full() {
        super(null, null, false, false);
      }
    }
  }
}
