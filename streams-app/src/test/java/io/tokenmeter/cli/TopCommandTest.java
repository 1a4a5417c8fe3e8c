package io.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.net.ServerSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TopCommandTest {

  private static final String TOP_BY_MODEL = """
      {"by":"cost","group":"model","from":1764230400000,"to":1764234000000,"rows":[
       {"group":"gpt-4o","requests":120,"errors":3,"input_tokens":5000,"output_tokens":900,"tokens":5900,
        "cost_micros":12345,"unpriced_requests":0},
       {"group":"some-very-long-fine-tuned-model-name-that-will-not-fit-a-narrow-terminal","requests":7,
        "errors":0,"input_tokens":70,"output_tokens":7,"tokens":77,"cost_micros":null,"unpriced_requests":7}]}
      """;

  private StubApi api;

  @BeforeEach
  void start() throws Exception {
    api = new StubApi();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void optionsBecomeTheQueryParametersOfTheContract() {
    api.answer(200, TOP_BY_MODEL);

    CliRun run = CliRun.of(
        "top",
        "--url",
        api.url(),
        "--by",
        "tokens",
        "--group",
        "model",
        "--last",
        "15m",
        "--n",
        "5",
        "--where",
        "model=gpt-4o,org=org-1",
        "--where",
        "service=checkout");

    assertThat(run.exitCode()).as(run.err()).isZero();
    StubApi.Request request = api.onlyRequest();
    assertThat(request.path()).isEqualTo("/api/v1/top");
    assertThat(request.parameters())
        .containsExactly(
            entry("by", "tokens"),
            entry("group", "model"),
            entry("n", "5"),
            entry("last", "15m"),
            entry("model", "gpt-4o"),
            entry("org", "org-1"),
            entry("service", "checkout"));
  }

  @Test
  void printsATableWithNumbersRightAlignedAndCostInDollars() {
    api.answer(200, TOP_BY_MODEL);

    CliRun run = CliRun.of("top", "--url", api.url(), "--group", "model", "--width", "120");

    java.util.List<String> lines = run.out().lines().toList();
    assertThat(lines.get(0))
        .startsWith("model ")
        .endsWith("  requests  errors  input_tokens  output_tokens  tokens  cost_usd");
    assertThat(lines.get(1))
        .matches("gpt-4o +120       3          5000            900    5900  0\\.012345");
    // No price for any of its requests: "-", not a misleading 0.
    assertThat(lines.get(2)).startsWith("some-very-long").endsWith("77         -");
    assertThat(lines).allSatisfy(line -> assertThat(line).hasSizeLessThanOrEqualTo(120));
  }

  @Test
  void theTableFitsTheWidthByCuttingTheLongestCell() {
    api.answer(200, TOP_BY_MODEL);

    CliRun run = CliRun.of("top", "--url", api.url(), "--group", "model", "--width", "80");

    assertThat(run.out().lines())
        .allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));
    assertThat(run.out()).contains("some-very-long…");
  }

  @Test
  void jsonFormatPrintsOneRowPerLineAsTheApiSentIt() {
    api.answer(200, TOP_BY_MODEL);

    CliRun run = CliRun.of("top", "--url", api.url(), "--group", "model", "--format", "json");

    assertThat(run.out().lines()).hasSize(2);
    assertThat(run.out().lines().findFirst().orElseThrow())
        .startsWith("{\"group\":\"gpt-4o\",\"requests\":120");
  }

  @Test
  void keyGroupShowsTheKeyHint() {
    api.answer(200, """
        {"by":"cost","group":"key","rows":[{"group":"3f2a","hint":"sk-...abcd","requests":1,"errors":0,
         "input_tokens":1,"output_tokens":1,"tokens":2,"cost_micros":5,"unpriced_requests":1}]}
        """);

    CliRun run = CliRun.of("top", "--url", api.url());

    assertThat(run.out().lines().toList())
        .containsExactly(
            "key   hint        requests  errors  input_tokens  output_tokens  tokens   cost_usd",
            "3f2a  sk-...abcd         1       0             1              1       2  0.000005+");
  }

  @Test
  void theApisBadRequestIsPrintedNamingTheOptionAndExits64() {
    api.answer(400, "{\"error\":\"'15x' is not a duration\",\"parameter\":\"last\"}");

    CliRun run = CliRun.of("top", "--url", api.url(), "--last", "15x");

    assertThat(run.exitCode()).isEqualTo(64);
    assertThat(run.err()).contains("error: --last: '15x' is not a duration");
  }

  @Test
  void anAppThatIsStillRestoringIsAskedAgainUntilItAnswers() {
    api.answerOnce(503, "{\"error\":\"state is restoring\"}").answer(200, TOP_BY_MODEL);

    CliRun run = CliRun.of("top", "--url", api.url(), "--group", "model", "--format", "json");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(api.requests).hasSize(2);
    assertThat(run.out().lines()).hasSize(2);
  }

  @Test
  void anUnknownWhereFieldFailsBeforeAskingTheApiAndListsTheValidOnes() {
    CliRun run = CliRun.of("top", "--url", api.url(), "--where", "modle=gpt-4o");

    assertThat(run.exitCode()).isEqualTo(64);
    assertThat(run.err())
        .contains(
            "--where: unknown field 'modle'; valid fields: model, org, project, key, service");
    assertThat(api.requests).isEmpty();
  }

  @Test
  void anUnreachableAppExits1NamingTheUrlAndHowToStartIt() throws Exception {
    int freePort;
    try (ServerSocket socket = new ServerSocket(0)) {
      freePort = socket.getLocalPort();
    }
    String url = "http://127.0.0.1:" + freePort;

    CliRun run = CliRun.of("top", "--url", url);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .contains("cannot reach the Tokenmeter app at " + url)
        .contains("tokenmeter run");
  }

  @Test
  void helpListsExamples() {
    CliRun run = CliRun.of("top", "--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .contains("Examples:")
        .contains("tokenmeter top --by tokens --group model --last 15m");
  }
}
