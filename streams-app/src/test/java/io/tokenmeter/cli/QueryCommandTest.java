package io.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class QueryCommandTest {

  private static final String ISSUE_EXAMPLE =
      "SELECT model, SUM(cost_micros) FROM rollups WHERE org_id='org-1' "
          + "AND window_start > now() - INTERVAL 1 HOUR GROUP BY model";

  private StubApi api;
  private long minuteAgo;

  @BeforeEach
  void start() throws Exception {
    api = new StubApi();
    minuteAgo = Instant.now()
        .truncatedTo(ChronoUnit.MINUTES)
        .minus(1, ChronoUnit.MINUTES)
        .toEpochMilli();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  /** Rollups of two orgs and two models; one of org-1's is two hours old, outside the query's hour. */
  private String rollups() {
    long twoHoursAgo = minuteAgo - 2 * 3_600_000L;
    return "{\"rollups\":["
        + rollup(minuteAgo, "gpt-4o", "org-1", 100, 2)
        + "," + rollup(minuteAgo - 60_000, "gpt-4o", "org-1", 250, 3)
        + "," + rollup(minuteAgo, "gpt-4o-mini", "org-1", 7, 1)
        + "," + rollup(minuteAgo, "gpt-4o", "org-2", 5000, 9)
        + "," + rollup(twoHoursAgo, "gpt-4o", "org-1", 1_000_000, 1)
        + "]}";
  }

  private static String rollup(
      long windowStart, String model, String org, long costMicros, long requests) {
    return "{\"window_start\":" + windowStart + ",\"window_end\":" + (windowStart + 60_000)
        + ",\"model\":\"" + model + "\",\"org_id\":\"" + org + "\",\"project_id\":\"p\","
        + "\"api_key_fingerprint\":\"3f2a\",\"api_key_hint\":\"sk-...abcd\",\"service\":\"checkout\","
        + "\"requests\":" + requests + ",\"errors\":0,\"errors_by_class\":{},\"input_tokens\":10,"
        + "\"output_tokens\":5,\"cache_read_input_tokens\":0,\"cache_creation_input_tokens\":0,"
        + "\"reasoning_output_tokens\":0,\"requests_without_usage\":0,\"cost_micros\":" + costMicros
        + ",\"unpriced_requests\":0,\"price_table_version\":\"v1\",\"latency_p50_ms\":120.5,"
        + "\"latency_p95_ms\":300.0,\"latency_p99_ms\":null,\"peak_rate_limit_utilization\":null,"
        + "\"folded_events\":" + requests + "}";
  }

  @Test
  void theIssuesExampleSumsCostPerModelForTheOrgOverTheLastHour() {
    api.answer(200, rollups());

    CliRun run = CliRun.of("query", "--url", api.url(), "--format", "json", ISSUE_EXAMPLE);

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out().lines().sorted())
        .containsExactly(
            "{\"model\":\"gpt-4o\",\"EXPR$1\":350}", "{\"model\":\"gpt-4o-mini\",\"EXPR$1\":7}");
  }

  @Test
  void theRangeInTheWhereClauseIsTheRangeFetchedFromTheApi() {
    api.answer(200, rollups());
    long before = Instant.now().toEpochMilli();

    CliRun run = CliRun.of("query", "--url", api.url(), ISSUE_EXAMPLE);

    long after = Instant.now().toEpochMilli();
    assertThat(run.exitCode()).as(run.err()).isZero();
    StubApi.Request request = api.onlyRequest();
    assertThat(request.path()).isEqualTo("/api/v1/rollups");
    long from = Long.parseLong(request.parameters().get("from"));
    assertThat(from).isBetween(before - 3_600_000L, after - 3_600_000L);
    assertThat(Long.parseLong(request.parameters().get("to"))).isBetween(before, after + 1);
    assertThat(request.parameters()).doesNotContainKey("last");
  }

  @Test
  void withoutARangeInTheWhereClauseTheLastOptionIsFetched() {
    api.answer(200, rollups());

    CliRun run = CliRun.of(
        "query",
        "--url",
        api.url(),
        "--last",
        "15m",
        "SELECT org_id, SUM(requests) AS requests FROM rollups GROUP BY org_id ORDER BY org_id");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(api.onlyRequest().parameters())
        .containsOnlyKeys("last")
        .containsEntry("last", "15m");
    assertThat(run.out().lines().toList())
        .containsExactly("org_id  requests", "org-1          7", "org-2          9");
  }

  @Test
  void timestampsPrintAsUtcTimesAndBetweenSetsBothEnds() {
    api.answer(200, rollups());
    String at = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
        .withZone(java.time.ZoneOffset.UTC)
        .format(Instant.ofEpochMilli(minuteAgo));

    CliRun run = CliRun.of(
        "query",
        "--url",
        api.url(),
        "SELECT window_start, model, cost_micros FROM rollups WHERE org_id = 'org-2' AND window_start "
            + "BETWEEN TIMESTAMP '" + at + "' AND TIMESTAMP '" + at + "'");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(api.onlyRequest().parameters())
        .containsEntry("from", Long.toString(minuteAgo))
        .containsEntry("to", Long.toString(minuteAgo + 1));
    assertThat(run.out().lines().toList())
        .containsExactly("window_start         model   cost_micros", at + "  gpt-4o         5000");
  }

  @Test
  void quotedIntervalsAndCurrentTimestampSetTheRangeToo() {
    api.answer(200, rollups());
    long before = Instant.now().toEpochMilli();

    CliRun run = CliRun.of(
        "query",
        "--url",
        api.url(),
        "--format",
        "json",
        "SELECT COUNT(*) AS n FROM rollups WHERE window_start >= CURRENT_TIMESTAMP - INTERVAL '15' MINUTE "
            + "AND window_start < now() - INTERVAL 30 SECOND");

    assertThat(run.exitCode()).as(run.err()).isZero();
    long from = Long.parseLong(api.onlyRequest().parameters().get("from"));
    long to = Long.parseLong(api.onlyRequest().parameters().get("to"));
    assertThat(from).isBetween(before - 15 * 60_000L - 5_000, before - 15 * 60_000L + 5_000);
    assertThat(to - from).isBetween(15 * 60_000L - 30_000 - 5_000, 15 * 60_000L - 30_000 + 5_000);
  }

  @Test
  void aWindowStartBoundInsideAnOrIsNoRangeSoLastIsFetchedAndTheSqlStillFilters() {
    api.answer(200, rollups());

    CliRun run = CliRun.of(
        "query",
        "--url",
        api.url(),
        "--format",
        "json",
        "SELECT SUM(cost_micros) AS cost FROM rollups "
            + "WHERE window_start > now() - INTERVAL 1 HOUR OR org_id = 'org-9'");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(api.onlyRequest().parameters()).containsOnlyKeys("last");
    assertThat(run.out().strip()).isEqualTo("{\"cost\":5357}");
  }

  @Test
  void aTypeErrorIsReportedAtItsPositionBeforeTheApiIsAsked() {
    api.answer(200, rollups());

    CliRun run = CliRun.of(
        "query", "--url", api.url(), "SELECT COUNT(*) FROM rollups WHERE window_start > 5");

    assertThat(run.exitCode()).isEqualTo(64);
    assertThat(run.err()).contains("error: line 1, column 36: ").contains("'>'");
    assertThat(api.requests).isEmpty();
  }

  @Test
  void aRangeThatCanHoldNoRollupIsAnEmptyResultWithoutAskingTheApi() {
    CliRun run = CliRun.of(
        "query",
        "--url",
        api.url(),
        "--format",
        "json",
        "SELECT model, COUNT(*) AS n FROM rollups WHERE window_start > now() + INTERVAL 1 HOUR GROUP BY model");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).isEmpty();
    assertThat(api.requests).isEmpty();
  }

  @Test
  void aSyntaxErrorShowsLineColumnAndACaretAndExits64WithoutAskingTheApi() {
    CliRun run = CliRun.of(
        "query",
        "--url",
        api.url(),
        "SELECT model\nFROM rollups\nWHERE window_start > now() - INTERVAL 1 HOUR GROUP model");

    assertThat(run.exitCode()).isEqualTo(64);
    assertThat(run.err()).contains("error: line 3, column 52: Encountered \"model\"");
    assertThat(run.err())
        .contains("  WHERE window_start > now() - INTERVAL 1 HOUR GROUP model\n" + "  "
            + " ".repeat(51) + "^");
    assertThat(api.requests).isEmpty();
  }

  @Test
  void aQueryThatStopsShortSaysSo() {
    CliRun run = CliRun.of("query", "--url", api.url(), "SELECT model FROM rollups WHERE");

    assertThat(run.exitCode()).isEqualTo(64);
    assertThat(run.err()).contains("error: line 1, column 31: The query ends too early");
  }

  @Test
  void anUnknownColumnIsReportedWhereItIsWritten() {

    CliRun run = CliRun.of(
        "query", "--url", api.url(), "SELECT modle FROM rollups WHERE window_start > now()");

    assertThat(run.exitCode()).isEqualTo(64);
    assertThat(run.err())
        .contains("error: line 1, column 8: Column 'modle' not found in any table");
    assertThat(run.err()).contains("\n         ^");
    assertThat(api.requests).isEmpty();
  }

  @Test
  void aRangeTheAppRejectsIsPrintedWithItsMessageAndExits64() {
    api.answer(
        400,
        "{\"error\":\"live state keeps the last 6h; ask PostgreSQL for older rollups\",\"parameter\":\"from\"}");

    CliRun run = CliRun.of(
        "query",
        "--url",
        api.url(),
        "SELECT COUNT(*) FROM rollups WHERE window_start > now() - INTERVAL 2 DAY");

    assertThat(run.exitCode()).isEqualTo(64);
    assertThat(run.err())
        .contains(
            "window_start range: live state keeps the last 6h; ask PostgreSQL for older rollups");
  }

  @Test
  void anUnreachableAppExits1NamingTheUrl() throws Exception {
    int freePort;
    try (ServerSocket socket = new ServerSocket(0)) {
      freePort = socket.getLocalPort();
    }

    CliRun run =
        CliRun.of("query", "--url", "http://127.0.0.1:" + freePort, "SELECT COUNT(*) FROM rollups");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .contains("cannot reach the Tokenmeter app at http://127.0.0.1:" + freePort)
        .contains("tokenmeter run");
  }

  @Test
  void helpListsExamplesAndTheColumns() {
    CliRun run = CliRun.of("query", "--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .contains("Examples:")
        .contains("WHERE org_id='org-1' AND window_start > now() - INTERVAL 1 HOUR")
        .contains("window_start");
  }
}
