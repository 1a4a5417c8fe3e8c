package io.tokenmeter.bench.flink;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.types.Row;

/** One result row of the rollup query to the JSON value written to the output topic. */
final class RollupJson implements MapFunction<Row, String> {

  private static final long serialVersionUID = 1L;

  /** Rows handed to the sink; the job runs without restarts, so each is written once. */
  static final AtomicLong OUTPUT_ROWS = new AtomicLong();

  static final String[] STRINGS = {"model", "org_id", "project_id", "api_key_fingerprint", "service"
  };
  static final String[] LONGS = {
    "requests",
    "errors",
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "reasoning_output_tokens",
    "requests_without_usage"
  };

  @Override
  public String map(Row row) {
    StringBuilder sb = new StringBuilder(320);
    // TUMBLE's window_start is a TIMESTAMP(3) in the session time zone, which the job sets to UTC.
    long windowStart =
        ((LocalDateTime) row.getField("window_start")).toInstant(ZoneOffset.UTC).toEpochMilli();
    sb.append("{\"window_start\":").append(windowStart);
    for (String f : STRINGS) {
      sb.append(",\"").append(f).append("\":");
      quote(sb, (String) row.getField(f));
    }
    for (String f : LONGS) {
      sb.append(",\"").append(f).append("\":").append(((Number) row.getField(f)).longValue());
    }
    sb.append('}');
    OUTPUT_ROWS.incrementAndGet();
    return sb.toString();
  }

  static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
