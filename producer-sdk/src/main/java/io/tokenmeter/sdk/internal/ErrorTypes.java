package io.tokenmeter.sdk.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;

/**
 * Maps an HTTP status or a failure to the {@code error_type} of the event: {@code rate_limited},
 * {@code auth}, {@code invalid_request}, {@code not_found}, {@code server}, {@code timeout}, {@code
 * network}, {@code client} or {@code other}; null for success. The alert rules split error rates by
 * these classes (a 429 storm is not a provider outage), so the mapping is deliberately coarse.
 */
public final class ErrorTypes {

  public static final String RATE_LIMITED = "rate_limited";
  public static final String AUTH = "auth";
  public static final String INVALID_REQUEST = "invalid_request";
  public static final String NOT_FOUND = "not_found";
  public static final String SERVER = "server";
  public static final String TIMEOUT = "timeout";
  public static final String NETWORK = "network";
  public static final String CLIENT = "client";
  public static final String OTHER = "other";

  // Deep enough for wrappers such as CompletionException(UncheckedIOException(IOException)).
  private static final int MAX_CAUSE_DEPTH = 8;

  private ErrorTypes() {}

  /** The class of an HTTP status; null for 2xx and for no status at all (0 or negative). */
  public static String forStatus(int status) {
    if (status <= 0 || (status >= 200 && status < 300)) {
      return null;
    }
    switch (status) {
      case 429:
        return RATE_LIMITED;
      case 401:
      case 403:
        return AUTH;
      case 400:
      case 409:
      case 413:
      case 415:
      case 422:
        return INVALID_REQUEST;
      case 404:
        return NOT_FOUND;
      case 408:
        return TIMEOUT;
      default:
        break;
    }
    if (status >= 500 && status < 600) {
      return SERVER;
    }
    if (status >= 400 && status < 500) {
      return CLIENT;
    }
    return OTHER; // 1xx or 3xx reaching the caller is unexpected for an LLM API
  }

  /**
   * The class of a call that failed without a response. Timeouts (also wrapped ones) are {@code
   * timeout}; other I/O failures (refused, reset, DNS, TLS) are {@code network}; an interrupt,
   * a cancellation or an exception from the caller's own code is {@code client}.
   */
  public static String forThrowable(Throwable failure) {
    Throwable t = failure;
    for (int depth = 0; t != null && depth < MAX_CAUSE_DEPTH; depth++) {
      if (t instanceof HttpTimeoutException
          || t instanceof InterruptedIOException // includes SocketTimeoutException
          || t instanceof TimeoutException) {
        return TIMEOUT;
      }
      if (t.getCause() == t) {
        break;
      }
      t = t.getCause();
    }
    t = failure;
    for (int depth = 0; t != null && depth < MAX_CAUSE_DEPTH; depth++) {
      if (t instanceof IOException) {
        return NETWORK;
      }
      t = t.getCause() == t ? null : t.getCause();
    }
    if (failure instanceof InterruptedException
        || failure instanceof CancellationException
        || failure instanceof RuntimeException) {
      return CLIENT;
    }
    return failure == null ? null : OTHER;
  }
}
