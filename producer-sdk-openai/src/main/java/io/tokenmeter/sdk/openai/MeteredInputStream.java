package io.tokenmeter.sdk.openai;

import java.io.IOException;
import java.io.InputStream;

/**
 * A response body that passes every byte, exception and end-of-stream through unchanged, and
 * shows each to its {@link CallMeter} on the way. The OpenAI SDK reads this exactly as it would
 * read the original.
 *
 * <p>Mark and reset are not supported (the meter must see each byte once), and skip reads the
 * skipped bytes, for the same reason; neither is used by the OpenAI SDK or Jackson.
 */
final class MeteredInputStream extends InputStream {

  private final InputStream body;
  private final CallMeter meter;
  private final byte[] single = new byte[1];

  MeteredInputStream(InputStream body, CallMeter meter) {
    this.body = body;
    this.meter = meter;
  }

  @Override
  public int read() throws IOException {
    int b;
    try {
      b = body.read();
    } catch (IOException | RuntimeException e) {
      meter.bodyFailed(e);
      throw e;
    }
    if (b < 0) {
      meter.ended();
    } else {
      single[0] = (byte) b;
      meter.read(single, 0, 1);
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n;
    try {
      n = body.read(buffer, offset, length);
    } catch (IOException | RuntimeException e) {
      meter.bodyFailed(e);
      throw e;
    }
    if (n < 0) {
      meter.ended();
    } else {
      meter.read(buffer, offset, n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    if (n <= 0) {
      return 0;
    }
    byte[] scratch = new byte[(int) Math.min(8192, n)];
    long skipped = 0;
    while (skipped < n) {
      int r = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
      if (r < 0) {
        break;
      }
      skipped += r;
    }
    return skipped;
  }

  @Override
  public int available() throws IOException {
    return body.available();
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  @Override
  public void close() throws IOException {
    try {
      body.close();
    } finally {
      meter.ended();
    }
  }
}
