package io.tokenmeter.cli;

import io.tokenmeter.schemas.LlmCallEvent;
import java.io.PrintWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Prints call events as a fixed-width table, one line each, for people watching a topic. */
final class CallEventTable {

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
  private static final String FORMAT = "%-12s  %-8s  %-26s  %-10s  %-10s  %7s  %7s  %6s  %-12s  %5s%n";

  private final PrintWriter out;

  CallEventTable(PrintWriter out) {
    this.out = out;
  }

  void header() {
    out.printf(FORMAT, "time (UTC)", "service", "model", "org", "key", "in_tok", "out_tok", "status", "error", "ms");
  }

  void row(LlmCallEvent e) {
    out.printf(
        FORMAT,
        TIME.format(e.getTimestamp()),
        cut(e.getService(), 8),
        cut(e.getResponseModel() != null ? e.getResponseModel() : e.getRequestModel(), 26),
        cut(orDash(e.getOrgId()), 10),
        cut(orDash(e.getApiKeyHint()), 10),
        orDash(e.getInputTokens()),
        orDash(e.getOutputTokens()),
        orDash(e.getStatusCode()),
        cut(orDash(e.getErrorType()), 12),
        orDash(e.getDurationMs()));
  }

  private static String orDash(Object o) {
    return o == null ? "-" : o.toString();
  }

  private static String cut(String s, int width) {
    return s.length() <= width ? s : s.substring(0, width - 1) + "~";
  }
}
