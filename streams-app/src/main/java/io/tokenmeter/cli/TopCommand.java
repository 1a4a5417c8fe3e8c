package io.tokenmeter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The biggest spenders or callers over a recent stretch, from a running app's GET /api/v1/top. */
@Command(
    name = "top",
    mixinStandardHelpOptions = true,
    exitCodeOnInvalidInput = ExitCodes.USAGE,
    description = {
      "Print the top models, orgs, projects, API keys or services by cost, tokens, requests or "
          + "errors over the last minutes or hours, as a table or JSON lines.",
      "Asks a running app (tokenmeter run) through its query API, GET /api/v1/top."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:printed",
      "1:the app is not reachable at --url, or answered with an error",
      "64:invalid options, or a parameter the app rejected (its message names it)"
    },
    footer = {
      "",
      "Examples:",
      "  # the ten API keys that cost most in the last hour",
      "  tokenmeter top",
      "  # models by tokens over the last 15 minutes, for one org",
      "  tokenmeter top --by tokens --group model --last 15m --where org=org-1",
      "  # services with most errors on gpt-4o in the last 6 hours, as JSON lines",
      "  tokenmeter top --by errors --group service --last 6h \\",
      "    --where model=gpt-4o --format json",
      "  # an app on another host",
      "  tokenmeter top --url http://tokenmeter.internal:8080 --group org",
      "",
      "Columns and filters: docs/cli.md; the API: docs/query-api.md"
    })
final class TopCommand implements Callable<Integer> {

  /** --where keys, as the API names its filter parameters. */
  static final Set<String> FILTERS =
      new LinkedHashSet<>(List.of("model", "org", "project", "key", "service"));

  @Spec
  CommandSpec spec;

  @Mixin
  ApiOptions api;

  @Mixin
  OutputOptions output;

  @Option(
      names = "--by",
      defaultValue = "cost",
      paramLabel = "cost|tokens|requests|errors",
      description = "What to rank by (default: ${DEFAULT-VALUE}).")
  String by;

  @Option(
      names = "--group",
      defaultValue = "key",
      paramLabel = "model|org|project|key|service",
      description = "What to rank (default: ${DEFAULT-VALUE}).")
  String group;

  @Option(
      names = "--n",
      defaultValue = "10",
      paramLabel = "N",
      description = "How many rows, 1..1000 (default: ${DEFAULT-VALUE}).")
  int n;

  @Option(
      names = "--last",
      defaultValue = "1h",
      paramLabel = "DURATION",
      description = "How far back from now, such as 15m, 2h (default: ${DEFAULT-VALUE}).")
  String last;

  @Option(
      names = "--where",
      paramLabel = "FIELD=VALUE[,...]",
      description =
          "Only traffic with these values; fields: model, org, project, key (fingerprint), service. Repeatable.")
  List<String> where;

  @Override
  public Integer call() {
    Map<String, String> filters = WhereFilter.parse(where, FILTERS, spec);
    int width = output.width(spec);
    Map<String, String> parameters = new LinkedHashMap<>();
    // by, group, n and last are checked by the app, whose 400 names the parameter; checking here
    // too would only let the two drift apart.
    parameters.put("by", by);
    parameters.put("group", group);
    parameters.put("n", Integer.toString(n));
    parameters.put("last", last);
    parameters.putAll(filters);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    JsonNode answer;
    try {
      answer = new ApiClient(api.url).get("/api/v1/top", parameters);
    } catch (ApiClient.BadRequest e) {
      err.println("error: " + ApiErrors.option(e) + e.getMessage());
      err.flush();
      return ExitCodes.USAGE;
    } catch (ApiClient.Unavailable e) {
      err.println("error: " + e.getMessage());
      err.flush();
      return ExitCodes.FATAL;
    }
    JsonNode rows = answer.path("rows");
    if (output.json()) {
      for (JsonNode row : rows) {
        out.println(row.toString());
      }
      out.flush();
      return ExitCodes.OK;
    }
    boolean hint = "key".equals(answer.path("group").asText(group));
    List<TablePrinter.Column> columns = new ArrayList<>();
    columns.add(new TablePrinter.Column(answer.path("group").asText(group), false));
    if (hint) {
      columns.add(new TablePrinter.Column("hint", false));
    }
    for (String number :
        List.of("requests", "errors", "input_tokens", "output_tokens", "tokens", "cost_usd")) {
      columns.add(new TablePrinter.Column(number, true));
    }
    List<List<String>> table = new ArrayList<>();
    for (JsonNode row : rows) {
      List<String> cells = new ArrayList<>();
      cells.add(row.path("group").asText());
      if (hint) {
        cells.add(row.path("hint").asText(""));
      }
      for (String number :
          List.of("requests", "errors", "input_tokens", "output_tokens", "tokens")) {
        cells.add(row.path(number).asText(""));
      }
      cells.add(Money.usd(row.path("cost_micros"), row.path("unpriced_requests").asLong(0)));
      table.add(cells);
    }
    new TablePrinter(columns, width).print(table, out);
    return ExitCodes.OK;
  }
}
