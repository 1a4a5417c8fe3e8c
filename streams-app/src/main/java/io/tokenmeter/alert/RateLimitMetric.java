package io.tokenmeter.alert;

/** What a rate limit counts. Each metric is its own alert with its own dedup key. */
public enum RateLimitMetric {
  REQUESTS("rate_limit_requests", "requests"),
  TOKENS("rate_limit_tokens", "tokens");

  private final String alertType;
  private final String unit;

  RateLimitMetric(String alertType, String unit) {
    this.alertType = alertType;
    this.unit = unit;
  }

  /** {@code rate_limit_requests} or {@code rate_limit_tokens}. */
  public String alertType() {
    return alertType;
  }

  String unit() {
    return unit;
  }
}
