package io.tokenmeter.alert;

import java.util.Locale;

/** The PagerDuty severities, lowest first, so that {@code compareTo} orders escalation. */
public enum Severity {
  INFO,
  WARNING,
  ERROR,
  CRITICAL;

  /** The name carried in {@code Alert.severity}: {@code critical}, {@code error}, ... */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  static byte toByte(Severity severity) {
    return severity == null ? -1 : (byte) severity.ordinal();
  }

  static Severity fromByte(byte b) {
    return b < 0 ? null : values()[b];
  }
}
