package io.tokenmeter.alert;

import java.util.Set;

/**
 * The groups error rates are tracked in, each against its own baseline. 429s are throttling, not a
 * provider outage, so they never share a rate with 5xx; timeouts and auth failures have causes of
 * their own too.
 */
public enum ErrorClass {
  RATE_LIMITED("rate_limited", "rate-limit errors (429)", Severity.WARNING, Set.of("rate_limited")),
  SERVER("server", "server errors (5xx)", Severity.ERROR, Set.of("server")),
  TIMEOUT("timeout", "timeouts", Severity.ERROR, Set.of("timeout")),
  NETWORK("network", "network errors", Severity.ERROR, Set.of("network")),
  AUTH("auth", "auth errors (401/403)", Severity.ERROR, Set.of("auth")),
  CLIENT(
      "client",
      "client errors (4xx)",
      Severity.WARNING,
      Set.of("invalid_request", "not_found", "client")),
  OTHER("other", "other errors", Severity.WARNING, Set.of("other"));

  private final String wireName;
  private final String description;
  private final Severity severity;
  private final Set<String> errorTypes;

  ErrorClass(String wireName, String description, Severity severity, Set<String> errorTypes) {
    this.wireName = wireName;
    this.description = description;
    this.severity = severity;
    this.errorTypes = errorTypes;
  }

  /** The class of an {@code error_type}; unknown types are {@link #OTHER}, null is no error. */
  public static ErrorClass of(String errorType) {
    if (errorType == null) {
      return null;
    }
    for (ErrorClass c : values()) {
      if (c.errorTypes.contains(errorType)) {
        return c;
      }
    }
    return OTHER;
  }

  /** The name in dedup keys and in the alert's {@code error_class} scope entry. */
  public String wireName() {
    return wireName;
  }

  String description() {
    return description;
  }

  /** 5xx, timeouts, network and auth page as errors; 429 and client errors are warnings. */
  public Severity severity() {
    return severity;
  }
}
