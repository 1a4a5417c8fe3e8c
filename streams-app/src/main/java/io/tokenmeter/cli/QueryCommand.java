package io.tokenmeter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** SQL over the live rollups: fetched from a running app's GET /api/v1/rollups, run by Apache Calcite. */
@Command(
    name = "query",
    mixinStandardHelpOptions = true,
    exitCodeOnInvalidInput = ExitCodes.USAGE,
    description = {
      "Run a SQL query over the live one-minute rollups of a running app (tokenmeter run) and print "
          + "the result as a table or JSON lines.",
      "The table is rollups, one row per final rollup, with the UsageRollup field names as "
          + "columns: window_start and window_end TIMESTAMP (UTC); model, org_id, project_id, "
          + "api_key_fingerprint, api_key_hint, service VARCHAR; requests, errors, tokens and "
          + "cost_micros (micro-dollars) BIGINT; latency_p50_ms/p95/p99 DOUBLE; the full list in docs/cli.md.",
      "SQL is Apache Calcite's: SELECT, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT, aggregates, "
          + "CASE, CAST. now() is the time the command started; INTERVAL 1 HOUR and INTERVAL '15' MINUTE both work.",
      "Which rollups are fetched: the window_start range the WHERE clause sets with AND-ed "
          + ">, >=, <, <=, = or BETWEEN against constants; without one, the last --last."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:printed",
      "1:the app is not reachable at --url, or answered with an error",
      "64:invalid options, an invalid query (line, column and a caret), or a range the app rejected"
    },
    footer = {
      "",
      "Examples:",
      "  # cost per model for one org over the last hour (micro-dollars)",
      "  tokenmeter query \"SELECT model, SUM(cost_micros) FROM rollups",
      "    WHERE org_id='org-1' AND window_start > now() - INTERVAL 1 HOUR",
      "    GROUP BY model\"",
      "  # error rate per service over the last 15 minutes, worst first",
      "  tokenmeter query --last 15m \"SELECT service,",
      "    SUM(errors) * 1.0 / SUM(requests) AS error_rate FROM rollups",
      "    GROUP BY service ORDER BY error_rate DESC\"",
      "  # requests per minute, as JSON lines",
      "  tokenmeter query --format json \"SELECT window_start, SUM(requests) AS n",
      "    FROM rollups WHERE window_start >= now() - INTERVAL 30 MINUTE",
      "    GROUP BY window_start ORDER BY window_start\"",
      "",
      "Syntax, columns and the range rule: docs/cli.md"
    })
final class QueryCommand implements Callable<Integer> {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

  @Spec
  CommandSpec spec;

  @Mixin
  ApiOptions api;

  @Mixin
  OutputOptions output;

  @Parameters(index = "0", paramLabel = "SQL", description = "The query; quote it for the shell.")
  String sql;

  @Option(
      names = "--last",
      defaultValue = "1h",
      paramLabel = "DURATION",
      description =
          "Rollups to fetch when the WHERE clause sets no window_start range (default: ${DEFAULT-VALUE}).")
  String last;

  @Override
  public Integer call() {
    int width = output.width(spec);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Instant now = Instant.now();
    RollupSql.Result result;
    Map<String, String> parameters = new LinkedHashMap<>();
    try {
      RollupSql query = RollupSql.parse(sql, now);
      query.validate();
      RollupSql.Range range = query.range();
      if (range.known()) {
        parameters.put("from", Long.toString(range.from()));
        // Open above: up to now; rollups are final, so none starts after now.
        parameters.put(
            "to", Long.toString(range.to() != null ? range.to() : now.toEpochMilli() + 1));
      } else {
        parameters.put("last", last);
      }
      List<JsonNode> rollups = new ArrayList<>();
      boolean emptyRange = range.known() && Long.parseLong(parameters.get("to")) <= range.from();
      // An empty range (window_start > now() + ...) can hold no rollup; the app would call it a bad
      // range, but the query is fine and its answer is simply empty.
      if (!emptyRange) {
        new ApiClient(api.url)
            .get("/api/v1/rollups", parameters)
            .path("rollups")
            .forEach(rollups::add);
      }
      result = query.run(rollups);
    } catch (RollupSql.QueryError e) {
      err.println("error: line " + e.line + ", column " + e.column + ": " + e.reason);
      err.println(caret(sql, e.line, e.column));
      err.flush();
      return ExitCodes.USAGE;
    } catch (ApiClient.BadRequest e) {
      String option = parameters.containsKey("last") ? "--last: " : ApiErrors.option(e);
      err.println("error: " + option + e.getMessage());
      err.flush();
      return ExitCodes.USAGE;
    } catch (ApiClient.Unavailable e) {
      err.println("error: " + e.getMessage());
      err.flush();
      return ExitCodes.FATAL;
    }
    if (output.json()) {
      for (List<Object> row : result.rows()) {
        ObjectNode line = JSON.createObjectNode();
        for (int c = 0; c < row.size(); c++) {
          Object value = row.get(c);
          line.set(
              result.columns().get(c),
              JSON.valueToTree(value instanceof Instant i ? i.toEpochMilli() : value));
        }
        out.println(line.toString());
      }
      out.flush();
      return ExitCodes.OK;
    }
    List<TablePrinter.Column> columns = new ArrayList<>();
    for (int c = 0; c < result.columns().size(); c++) {
      columns.add(
          new TablePrinter.Column(result.columns().get(c), result.numeric().get(c)));
    }
    List<List<String>> table = new ArrayList<>();
    for (List<Object> row : result.rows()) {
      List<String> cells = new ArrayList<>();
      for (Object value : row) {
        cells.add(cell(value));
      }
      table.add(cells);
    }
    new TablePrinter(columns, width).print(table, out);
    return ExitCodes.OK;
  }

  private static String cell(Object value) {
    if (value == null) {
      return "";
    }
    if (value instanceof Instant instant) {
      return TIME.format(instant);
    }
    // 1E+1 is how BigDecimal writes ten; a table is for people.
    return value instanceof java.math.BigDecimal decimal
        ? decimal.toPlainString()
        : value.toString();
  }

  /** The line of the query the error is on, and a caret under its column. */
  static String caret(String sql, int line, int column) {
    List<String> lines = sql.lines().toList();
    String text = line >= 1 && line <= lines.size() ? lines.get(line - 1) : "";
    StringBuilder pad = new StringBuilder();
    for (int i = 0; i < column - 1 && i < text.length(); i++) {
      // Keep tabs, so the caret lines up under the same character however tabs are shown.
      pad.append(text.charAt(i) == '\t' ? '\t' : ' ');
    }
    return "  " + text + "\n  " + pad + "^";
  }
}
