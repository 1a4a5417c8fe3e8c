package io.tokenmeter.sdk.openai;

import io.tokenmeter.sdk.Tokenmeter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.Okio;

/**
 * An OkHttp application interceptor that turns each call through it into one Tokenmeter event.
 * In {@code OpenAIOkHttpClient} it runs inside the OpenAI SDK's OkHttp transport, below the SDK's
 * retries and after it has set the {@code Authorization} header, so it sees each HTTP attempt as
 * sent. OkHttp's own connection retries are off in that transport.
 */
final class TokenmeterInterceptor implements Interceptor {

  private static final long CALL_START_ALLOWANCE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final Tokenmeter tokenmeter;

  TokenmeterInterceptor(Tokenmeter tokenmeter) {
    this.tokenmeter = tokenmeter;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    CallMeter meter = start(request);
    if (meter == null) {
      return chain.proceed(request);
    }
    long startNanos = System.nanoTime();
    Response response;
    try {
      response = chain.proceed(request);
    } catch (IOException failure) {
      meter.failed(asTheCallerWillSeeIt(chain, failure, startNanos));
      throw failure;
    } catch (RuntimeException | Error failure) {
      meter.failed(failure);
      throw failure;
    }
    return watch(meter, response);
  }

  /**
   * What the failure is for the event. OkHttp enforces its call timeout by cancelling the call,
   * so inside the chain a timeout shows as {@code IOException("Canceled")}; only after the chain
   * has unwound does OkHttp turn it into the {@code InterruptedIOException("timeout")} that the
   * caller gets. A cancelled call that ran for (nearly) its whole call timeout is taken to have
   * timed out; one cancelled earlier was cancelled by the caller. The caller's exception is
   * untouched either way.
   */
  private static Throwable asTheCallerWillSeeIt(Chain chain, IOException failure, long startNanos) {
    try {
      Call call = chain.call();
      if (!call.isCanceled()) {
        return failure;
      }
      long limit = call.timeout().timeoutNanos();
      // The timeout started a little before this interceptor did; allow for that.
      long elapsed = System.nanoTime() - startNanos;
      if (limit > 0 && elapsed >= limit - Math.min(limit / 10, CALL_START_ALLOWANCE_NANOS)) {
        InterruptedIOException timeout = new InterruptedIOException("timeout");
        timeout.initCause(failure);
        return timeout;
      }
      CancellationException cancelled = new CancellationException("cancelled by the caller");
      cancelled.initCause(failure);
      return cancelled;
    } catch (RuntimeException | LinkageError e) {
      return failure;
    }
  }

  private CallMeter start(Request request) {
    try {
      RequestFacts facts = RequestFacts.read(
          request.method(),
          request.url().host(),
          request.url().encodedPath(),
          request::header,
          () -> jsonBytes(request.body()));
      return facts == null ? null : new CallMeter(tokenmeter, facts);
    } catch (RuntimeException | LinkageError e) {
      Guard.swallow(tokenmeter, e);
      return null;
    }
  }

  private Response watch(CallMeter meter, Response response) {
    try {
      ResponseBody body = response.body();
      meter.responded(
          response.code(),
          RateLimitHeaders.of(response.headers().names(), response::header),
          response.header("Content-Type"));
      if (body == null) {
        meter.ended();
        return response;
      }
      return response.newBuilder().body(new MeteredResponseBody(body, meter)).build();
    } catch (RuntimeException | LinkageError e) {
      Guard.swallow(tokenmeter, e);
      return response;
    }
  }

  /** The bytes of a JSON body that can be written twice, or null. */
  private static byte[] jsonBytes(RequestBody body) {
    try {
      if (body == null || body.isOneShot()) {
        return null;
      }
      MediaType type = body.contentType();
      long length = body.contentLength();
      if (type == null
          || !type.subtype().toLowerCase(Locale.ROOT).contains("json")
          || length < 0
          || length > RequestFacts.MAX_SCANNED_BODY_BYTES) {
        return null;
      }
      Buffer buffer = new Buffer();
      body.writeTo(buffer);
      return buffer.readByteArray();
    } catch (IOException e) {
      return null;
    }
  }

  /** The original body, read through a {@link MeteredInputStream}. */
  private static final class MeteredResponseBody extends ResponseBody {
    private final ResponseBody body;
    private final CallMeter meter;
    private BufferedSource source;

    MeteredResponseBody(ResponseBody body, CallMeter meter) {
      this.body = body;
      this.meter = meter;
    }

    @Override
    public MediaType contentType() {
      return body.contentType();
    }

    @Override
    public long contentLength() {
      return body.contentLength();
    }

    @Override
    public synchronized BufferedSource source() {
      if (source == null) {
        InputStream watched = meter.watch(body.byteStream());
        source = Okio.buffer(Okio.source(watched));
      }
      return source;
    }

    @Override
    public void close() {
      try {
        body.close();
      } finally {
        meter.ended();
      }
    }
  }
}
