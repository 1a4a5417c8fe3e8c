package io.tokenmeter.router;

import java.time.Duration;
import java.util.Optional;

/** What a receiver made of one delivery attempt. */
sealed interface Delivery {

  /** The receiver took it (HTTP 2xx): the router may move on. */
  record Accepted() implements Delivery {}

  /**
   * Worth trying again: HTTP 429, 5xx, a timeout or a network error.
   *
   * @param retryAfter the receiver's {@code Retry-After}, when it sent a usable one
   * @param reason for the log: the status or the exception, never the request
   */
  record RetryLater(Optional<Duration> retryAfter, String reason) implements Delivery {}

  /**
   * Refused for good (a 4xx other than 429, or another status that retrying will not change): the
   * alert goes to the dead-letter topic with this response.
   *
   * @param status the HTTP status
   * @param responseExcerpt the start of the response body
   */
  record Rejected(int status, String responseExcerpt) implements Delivery {}

  static Delivery accepted() {
    return new Accepted();
  }
}
