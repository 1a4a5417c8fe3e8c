package io.tokenmeter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The table columns {@code tail} shows for each record type, most telling first, since a narrow
 * terminal shows only the first few; every field is one {@code --format json} away.
 */
final class TailView {

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

  private record Cell(TablePrinter.Column column, Function<JsonNode, String> value) {}

  private final List<Cell> cells;

  private TailView(List<Cell> cells) {
    this.cells = cells;
  }

  static TailView of(RecordType type) {
    switch (type) {
      case ROLLUPS:
        return new TailView(List.of(
            time("window_start"),
            text("model", 14),
            text("org_id", 10),
            number("requests", 8),
            number("errors", 6),
            new Cell(
                new TablePrinter.Column("cost_usd", true, 10),
                r -> Money.usd(r.get("cost_micros"), r.path("unpriced_requests").asLong(0))),
            number("input_tokens", 12),
            number("output_tokens", 13),
            text("service", 10),
            text("project_id", 10),
            text("api_key_hint", 12),
            number("latency_p95_ms", 14)));
      case ALERTS:
        return new TailView(List.of(
            time("emitted_at"),
            text("state", 8),
            text("severity", 8),
            text("alert_type", 20),
            new Cell(new TablePrinter.Column("scope", false, 24), r -> pairs(r.get("scope"))),
            text("summary", 40),
            number("observed_value", 14),
            number("threshold", 9)));
      case CALLS:
        return new TailView(List.of(
            time("timestamp"),
            text("service", 10),
            text("org_id", 10),
            text("request_model", 14),
            number("status_code", 11),
            number("duration_ms", 11),
            number("input_tokens", 12),
            number("output_tokens", 13),
            text("error_type", 12),
            text("project_id", 10)));
      default:
        return new TailView(List.of(
            time("timestamp"),
            number("partition", 9),
            number("offset", 8),
            text("key", 20),
            new Cell(new TablePrinter.Column("headers", false, 60), r -> pairs(r.get("headers")))));
    }
  }

  List<TablePrinter.Column> columns() {
    return cells.stream().map(Cell::column).toList();
  }

  List<String> row(JsonNode record) {
    List<String> row = new ArrayList<>(cells.size());
    for (Cell cell : cells) {
      row.add(cell.value().apply(record));
    }
    return row;
  }

  private static Cell text(String field, int width) {
    return new Cell(new TablePrinter.Column(field, false, width), r -> scalar(r.get(field)));
  }

  private static Cell number(String field, int width) {
    return new Cell(new TablePrinter.Column(field, true, width), r -> scalar(r.get(field)));
  }

  private static Cell time(String field) {
    return new Cell(new TablePrinter.Column(field, false, 19, true), r -> {
      JsonNode millis = r.get(field);
      return millis == null || !millis.isNumber()
          ? ""
          : TIME.format(Instant.ofEpochMilli(millis.asLong()));
    });
  }

  private static String scalar(JsonNode value) {
    return value == null || value.isNull() ? "" : value.asText();
  }

  private static String pairs(JsonNode object) {
    if (object == null || !object.isObject()) {
      return "";
    }
    StringBuilder text = new StringBuilder();
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (text.length() > 0) {
        text.append(',');
      }
      text.append(e.getKey()).append('=').append(scalar(e.getValue()));
    }
    return text.toString();
  }
}
