package io.tokenmeter.sdk.openai;

import com.openai.core.http.Headers;
import com.openai.core.http.HttpResponse;
import java.io.InputStream;
import java.util.Optional;

/** The delegate's response, with its body watched by a {@link CallMeter}; everything else as is. */
final class MeteredHttpResponse implements HttpResponse {

  private final HttpResponse response;
  private final CallMeter meter;
  private InputStream body;

  MeteredHttpResponse(HttpResponse response, CallMeter meter) {
    this.response = response;
    this.meter = meter;
  }

  @Override
  public int statusCode() {
    return response.statusCode();
  }

  @Override
  public Headers headers() {
    return response.headers();
  }

  @Override
  public Optional<String> requestId() {
    return response.requestId();
  }

  /** The same watched stream on every call, as the delegate's is one stream too. */
  @Override
  public synchronized InputStream body() {
    if (body == null) {
      body = meter.watch(response.body());
    }
    return body;
  }

  @Override
  public void close() {
    try {
      response.close();
    } finally {
      meter.ended();
    }
  }
}
