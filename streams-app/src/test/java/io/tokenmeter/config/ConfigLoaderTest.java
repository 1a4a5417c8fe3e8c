package io.tokenmeter.config;

import static io.tokenmeter.config.ConfigFixtures.failure;
import static io.tokenmeter.config.ConfigFixtures.failureFromEnv;
import static io.tokenmeter.config.ConfigFixtures.fromEnv;
import static io.tokenmeter.config.ConfigFixtures.writeFile;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.config.KafkaSettings.ProcessingGuarantee;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  @TempDir
  Path dir;

  @Test
  void defaultsAreTheDocumentedValues() {
    TokenmeterConfig config = TokenmeterConfig.defaults();

    KafkaSettings kafka = config.kafka();
    assertThat(kafka.bootstrapServers()).isEqualTo("127.0.0.1:9092");
    assertThat(kafka.applicationId()).isEqualTo("tokenmeter");
    assertThat(kafka.processingGuarantee()).isEqualTo(ProcessingGuarantee.EXACTLY_ONCE_V2);
    assertThat(kafka.stateDir())
        .isEqualTo(Path.of(System.getProperty("user.home"), ".tokenmeter", "state"));
    assertThat(kafka.commitInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(kafka.cacheMaxBytes()).isEqualTo(16L * 1024 * 1024);
    assertThat(kafka.numStreamThreads()).isEqualTo(1);
    assertThat(kafka.schemaRegistryUrl()).isEmpty();
    assertThat(kafka.clientOverrides()).isEmpty();

    assertThat(config.topics())
        .isEqualTo(new TopicSettings(
            "llm.calls",
            "llm.rollups.1m",
            "llm.alerts",
            "llm.calls.dlq",
            6,
            (short) 1,
            Duration.ofDays(7),
            Duration.ofDays(30)));
    assertThat(config.rollup())
        .isEqualTo(new RollupSettings(
            Duration.ofMinutes(2),
            Duration.ofHours(1),
            Duration.ofSeconds(1),
            10_000,
            Duration.ofSeconds(10),
            1000,
            Duration.ofHours(24)));
    assertThat(config.alerts())
        .isEqualTo(new AlertSettings(
            0.80,
            0.95,
            2,
            java.util.List.of(),
            new AlertSettings.ErrorRate(20, 3.0, 0.05, 0.2),
            java.util.Set.of()));
    assertThat(config.pricing().overrideFile()).isEmpty();
    assertThat(config.http()).isEqualTo(new HttpSettings(true, "127.0.0.1", 8080));
  }

  @Test
  void fileBeatsDefaultsEnvironmentBeatsFileAndFlagsBeatEverything() {
    Path file = writeFile(
        dir,
        "kafka.bootstrap.servers=file:9092",
        "kafka.application.id=from-file",
        "rollup.grace=5m");

    TokenmeterConfig config = ConfigLoader.create()
        .file(file)
        .env(Map.of(
            "TOKENMETER_KAFKA_BOOTSTRAP_SERVERS", "env:9092", "TOKENMETER_ROLLUP_GRACE", "3m"))
        .override("kafka.bootstrap.servers", "flag:9092", "--bootstrap-server")
        .load();

    assertThat(config.kafka().bootstrapServers()).isEqualTo("flag:9092");
    assertThat(config.rollup().grace()).isEqualTo(Duration.ofMinutes(3));
    assertThat(config.kafka().applicationId()).isEqualTo("from-file");
    assertThat(config.kafka().numStreamThreads()).isEqualTo(1);
  }

  @Test
  void staticLoadTakesFileEnvironmentAndOverrides() {
    Path file = writeFile(dir, "topics.partitions=12");

    TokenmeterConfig config = TokenmeterConfig.load(
        Optional.of(file),
        Map.of("TOKENMETER_TOPICS_REPLICATION_FACTOR", "3"),
        Map.of("http.port", "9000"));

    assertThat(config.topics().partitions()).isEqualTo(12);
    assertThat(config.topics().replicationFactor()).isEqualTo((short) 3);
    assertThat(config.http().port()).isEqualTo(9000);
  }

  @Test
  void anUnsetFlagLeavesTheLowerSourcesInCharge() {
    TokenmeterConfig config = ConfigLoader.create()
        .env(Map.of("TOKENMETER_KAFKA_BOOTSTRAP_SERVERS", "env:9092"))
        .override("kafka.bootstrap.servers", null, "--bootstrap-server")
        .load();

    assertThat(config.kafka().bootstrapServers()).isEqualTo("env:9092");
  }

  @Test
  void environmentVariableIsTheKeyUpperCasedWithUnderscoresForDots() {
    TokenmeterConfig config = fromEnv(Map.of(
        "TOKENMETER_ROLLUP_MAX_DISTINCT_VALUES_PER_DIMENSION", "500",
        "TOKENMETER_ROLLUP_MAX_DISTINCT_VALUES_PER_TENANT", "250",
        "TOKENMETER_ROLLUP_DISTINCT_VALUES_EXPIRE_AFTER", "7d",
        "TOKENMETER_KAFKA_CLIENT_SECURITY_PROTOCOL", "SASL_SSL",
        "TOKENMETER_ALERTS_RATE_LIMIT_1_ORG", "org-1",
        "TOKENMETER_ALERTS_RATE_LIMIT_1_TOKENS_PER_MINUTE", "200000"));

    assertThat(config.rollup().maxDistinctValuesPerDimension()).isEqualTo(500);
    assertThat(config.rollup().maxDistinctValuesPerTenant()).isEqualTo(250);
    assertThat(config.rollup().distinctValuesExpireAfter()).isEqualTo(java.time.Duration.ofDays(7));
    assertThat(config.kafka().clientOverrides()).containsEntry("security.protocol", "SASL_SSL");
    assertThat(config.alerts().rateLimits())
        .containsExactly(new AlertSettings.RateLimit("org-1", null, null, null, 200_000L));
  }

  @Test
  void environmentVariablesOutsideOurNamespacesAreLeftAlone() {
    TokenmeterConfig config = fromEnv(Map.of(
        "TOKENMETER_JAVA_OPTS", "-Xmx2g",
        "TOKENMETER_HOME", "/opt/tokenmeter",
        "KAFKA_BOOTSTRAP_SERVERS", "ignored:9092",
        "PATH", "/usr/bin"));

    assertThat(config).isEqualTo(TokenmeterConfig.defaults());
  }

  @Test
  void misspeltKeyInFileIsNamedWithItsLineAndTheKeyItProbablyMeant() {
    Path file = writeFile(dir, "# our cluster", "kafka.bootstrap.server=broker:9092");

    ConfigException e = failure(ConfigLoader.create().file(file));

    assertThat(e.problems())
        .containsExactly("unknown configuration key 'kafka.bootstrap.server' (file " + file
            + ":2); did you mean 'kafka.bootstrap.servers'?");
  }

  @Test
  void misspeltEnvironmentVariableSuggestsTheVariableToSet() {
    ConfigException e = failureFromEnv("TOKENMETER_ROLLUP_GRACE_PERIOD", "2m");

    assertThat(e.getMessage())
        .contains("unknown configuration key 'rollup.grace.period'")
        .contains("environment variable TOKENMETER_ROLLUP_GRACE_PERIOD")
        .doesNotContain("did you mean");

    ConfigException typo = failureFromEnv("TOKENMETER_ROLLUP_GRAEC", "2m");
    assertThat(typo.getMessage())
        .contains("did you mean 'rollup.grace' (TOKENMETER_ROLLUP_GRACE)?");
  }

  @Test
  void unknownKeyFarFromEveryKnownKeyPointsAtTheDocs() {
    ConfigException e =
        failure(ConfigLoader.create().override("alerts.pagerduty.routing.key", "abc"));

    assertThat(e.getMessage())
        .contains(
            "unknown configuration key 'alerts.pagerduty.routing.key' (override of alerts.pagerduty.routing.key)")
        .contains("see docs/configuration.md");
  }

  @Test
  void kafkaClientSettingWithoutOurPrefixSuggestsThePrefixedKey() {
    Path file = writeFile(
        dir,
        "bootstrap.servers=broker:9092",
        "security.protocol=SASL_SSL",
        "kafka.cleint.sasl.mechanism=PLAIN");

    ConfigException e = failure(ConfigLoader.create().file(file));

    assertThat(e.problems())
        .containsExactly(
            "unknown configuration key 'bootstrap.servers' (file " + file
                + ":1); did you mean 'kafka.bootstrap.servers'?",
            "unknown configuration key 'kafka.cleint.sasl.mechanism' (file " + file
                + ":3); did you mean 'kafka.client.sasl.mechanism'?",
            "unknown configuration key 'security.protocol' (file " + file
                + ":2); did you mean 'kafka.client.security.protocol'?");
  }

  @Test
  void everyProblemIsReportedTogetherInOneException() {
    Path file = writeFile(dir, "topics.partitions=0", "rollup.grace=soon");

    ConfigException e = failure(ConfigLoader.create()
        .file(file)
        .env(Map.of("TOKENMETER_HTTP_ENABLED", "yes"))
        .override("kafka.num.stream.threads", "-1", "--threads")
        .override("kafka.bootstrap.server", "x:1", "--bootstrap-server"));

    assertThat(e.problems()).hasSize(5);
    assertThat(e.getMessage())
        .startsWith("Invalid Tokenmeter configuration, 5 problems:")
        .contains(
            "topics.partitions",
            "rollup.grace",
            "http.enabled",
            "kafka.num.stream.threads",
            "kafka.bootstrap.server'");
  }

  @Test
  void keySetTwiceInOneFileIsRejectedWithBothLines() {
    Path file = writeFile(dir, "rollup.grace=1m", "", "rollup.grace=3m");

    ConfigException e = failure(ConfigLoader.create().file(file));

    assertThat(e.problems())
        .containsExactly("rollup.grace is set twice in " + file + " (lines 1 and 3); keep one");
  }

  @Test
  void formerNamesOfRenamedKeysStillWorkFromEverySourceAndPrintAsTheCurrentName() {
    Path file = writeFile(dir, "topics.dead.letter=calls-dlq-from-file");

    TokenmeterConfig viaFile = ConfigLoader.create().file(file).load();
    TokenmeterConfig viaEnv =
        fromEnv(Map.of("TOKENMETER_ROUTER_DEAD_LETTER_TOPIC", "alerts-dlq-from-env"));
    TokenmeterConfig viaFlag = ConfigLoader.create()
        .file(file)
        .override("router.dead.letter.topic", "alerts-dlq-from-flag")
        .override("topics.calls.dead.letter", "calls-dlq-from-flag")
        .load();

    assertThat(viaFile.topics().deadLetter()).isEqualTo("calls-dlq-from-file");
    assertThat(viaEnv.router().deadLetterTopic()).isEqualTo("alerts-dlq-from-env");
    assertThat(viaFlag.router().deadLetterTopic()).isEqualTo("alerts-dlq-from-flag");
    assertThat(viaFlag.topics().deadLetter())
        .as("a current name above a former one")
        .isEqualTo("calls-dlq-from-flag");
    assertThat(viaFile.describe())
        .contains("topics.calls.dead.letter = calls-dlq-from-file")
        .doesNotContain("topics.dead.letter");
  }

  @Test
  void aKeyUnderBothItsNamesInOneSourceIsRejected() {
    Path file = writeFile(dir, "topics.calls.dead.letter=a", "topics.dead.letter=b");

    ConfigException inFile = failure(ConfigLoader.create().file(file));
    ConfigException inEnv = failure(ConfigLoader.create()
        .env(Map.of(
            "TOKENMETER_TOPICS_ALERTS_DEAD_LETTER",
            "a",
            "TOKENMETER_ROUTER_DEAD_LETTER_TOPIC",
            "b")));

    assertThat(inFile.problems())
        .containsExactly("topics.calls.dead.letter is set twice in " + file
            + " (lines 1 and 2, topics.dead.letter is its former name); keep one");
    assertThat(inEnv.problems())
        .singleElement()
        .asString()
        .contains("topics.alerts.dead.letter is set twice in the environment")
        .contains("keep TOKENMETER_TOPICS_ALERTS_DEAD_LETTER");
  }

  @Test
  void missingFileIsReportedWithTheFlagToCheck() {
    ConfigException e = failure(ConfigLoader.create().file(dir.resolve("nope.properties")));

    assertThat(e.getMessage()).contains("nope.properties does not exist; check --config");
  }

  @Test
  void fileErrorsNameTheLineWhereTheKeyStartsEvenAfterContinuationLines() {
    Path file = writeFile(
        dir,
        "kafka.client.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\",
        "    username=\"u\" \\",
        "    password=\"p\";",
        "! a comment \\",
        "topics.calls = llm\\u002ecalls",
        "topics.partitions : many");

    ConfigException e = failure(ConfigLoader.create().file(file));

    assertThat(e.problems())
        .containsExactly("invalid value 'many' for topics.partitions (file " + file
            + ":6): expected an integer >= 1");
  }

  @Test
  void propertiesEscapesAndContinuationLinesAreRead() {
    Path file = writeFile(
        dir,
        "kafka.client.sasl.jaas.config=PlainLoginModule required \\",
        "    username=\"u\";",
        "topics.calls = llm\\u002ecalls.v2");

    TokenmeterConfig config = ConfigLoader.create().file(file).load();

    assertThat(config.kafka().clientOverrides())
        .containsEntry("sasl.jaas.config", "PlainLoginModule required username=\"u\";");
    assertThat(config.topics().calls()).isEqualTo("llm.calls.v2");
  }

  @Test
  void warningAtOrAboveCriticalIsRejectedNamingBothKeys() {
    ConfigException e =
        failure(ConfigLoader.create().env(Map.of("TOKENMETER_ALERTS_RATE_LIMIT_WARNING", "0.97")));

    assertThat(e.problems())
        .containsExactly("alerts.rate.limit.warning = '0.97' (environment variable"
            + " TOKENMETER_ALERTS_RATE_LIMIT_WARNING) must be below alerts.rate.limit.critical = '0.95' (default);"
            + " lower the warning or raise the critical threshold");
  }

  @Test
  void dedupHorizonShorterThanGraceWouldCountLateDuplicatesTwice() {
    ConfigException e =
        failure(ConfigLoader.create().override("rollup.dedup.horizon", "1m", "--dedup-horizon"));

    assertThat(e.getMessage())
        .contains(
            "rollup.dedup.horizon = '1m' (flag --dedup-horizon) must be at least rollup.grace = '2m' (default)");
  }

  @Test
  void futureToleranceIsTenSecondsUnlessSetAndShowsInTheEffectiveConfiguration() {
    assertThat(ConfigLoader.create().load().rollup().futureTolerance())
        .isEqualTo(Duration.ofSeconds(10));

    TokenmeterConfig custom = ConfigLoader.create()
        .env(Map.of("TOKENMETER_ROLLUP_FUTURE_TOLERANCE", "30s"))
        .load();

    assertThat(custom.rollup().futureTolerance()).isEqualTo(Duration.ofSeconds(30));
    assertThat(custom.describe()).contains("rollup.future.tolerance = 30s");
  }

  @Test
  void aGraceShorterThanTheDefaultToleranceStillStartsWithTheToleranceCutToTheGrace() {
    TokenmeterConfig config =
        ConfigLoader.create().override("rollup.grace", "1s", "--grace").load();

    assertThat(config.rollup().futureTolerance()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void aFutureToleranceThatIsNotADurationFailsNamingTheKey() {
    ConfigException e = failure(ConfigLoader.create().override("rollup.future.tolerance", "-5s"));

    assertThat(e.problems())
        .singleElement()
        .asString()
        .contains("invalid value '-5s' for rollup.future.tolerance")
        .contains("expected a duration >= 0");
  }

  @Test
  void aFutureToleranceBeyondTheGraceWouldLetOneFastClockCloseTheCurrentMinute() {
    ConfigException e = failure(ConfigLoader.create()
        .override("rollup.grace", "10s")
        .override("rollup.future.tolerance", "11s", "--future-tolerance"));

    assertThat(e.problems())
        .singleElement()
        .asString()
        .startsWith(
            "rollup.future.tolerance = '11s' (flag --future-tolerance) must be at most rollup.grace = '10s' (override of rollup.grace)");
    assertThat(ConfigLoader.create()
            .override("rollup.grace", "10s")
            .load()
            .rollup()
            .futureTolerance())
        .isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void twoTopicSettingsWithTheSameNameAreRejected() {
    ConfigException e = failure(ConfigLoader.create().override("topics.alerts", "llm.rollups.1m"));

    assertThat(e.getMessage())
        .contains("topics.rollups = 'llm.rollups.1m' (default) and topics.alerts = 'llm.rollups.1m'"
            + " (override of topics.alerts) name the same topic");
  }

  @Test
  void aBadValueDoesNotHideContradictionsElsewhere() {
    ConfigException e = failure(ConfigLoader.create()
        .override("alerts.rate.limit.critical", "lots")
        .override("rollup.grace", "2h"));

    assertThat(e.problems()).hasSize(2);
    assertThat(e.problems().get(0)).contains("alerts.rate.limit.critical");
    assertThat(e.problems().get(1)).contains("rollup.dedup.horizon");
  }
}
