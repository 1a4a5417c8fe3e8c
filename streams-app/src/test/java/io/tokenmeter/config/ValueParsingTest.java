package io.tokenmeter.config;

import static io.tokenmeter.config.ConfigFixtures.failure;
import static io.tokenmeter.config.ConfigFixtures.failureFromEnv;
import static io.tokenmeter.config.ConfigFixtures.writeFile;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.config.KafkaSettings.ProcessingGuarantee;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ValueParsingTest {

  @TempDir
  Path dir;

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource(delimiter = '|', textBlock = """
      rollup.grace                   | 500ms   | PT0.5S
      rollup.grace                   | 90s     | PT1M30S
      rollup.grace                   | 2m      | PT2M
      rollup.grace                   | 1h      | PT1H
      rollup.grace                   | PT2M    | PT2M
      rollup.grace                   | pt2m    | PT2M
      rollup.grace                   | 0s      | PT0S
      topics.calls.retention         | 7d      | PT168H
      """)
  void durationsTakeAUnitOrIso8601(String key, String value, String expected) {
    TokenmeterConfig config = ConfigLoader.create()
        .override(key, value)
        .override("rollup.dedup.horizon", "1d")
        .override("rollup.future.tolerance", "0s")
        .load();

    Duration parsed =
        key.equals("rollup.grace") ? config.rollup().grace() : config.topics().callsRetention();
    assertThat(parsed).isEqualTo(Duration.parse(expected));
  }

  @ParameterizedTest
  @CsvSource({
    "exactly_once_v2, EXACTLY_ONCE_V2",
    "AT_LEAST_ONCE, AT_LEAST_ONCE",
    "At_Least_Once, AT_LEAST_ONCE"
  })
  void processingGuaranteeIgnoresCase(String value, ProcessingGuarantee expected) {
    TokenmeterConfig config =
        ConfigLoader.create().override("kafka.processing.guarantee", value).load();

    assertThat(config.kafka().processingGuarantee()).isEqualTo(expected);
  }

  @Test
  void sizesFractionsAndBooleansInTheirFriendlyForms() {
    TokenmeterConfig config = ConfigLoader.create()
        .override("kafka.cache.max.bytes", "64KiB")
        .override("alerts.rate.limit.warning", "70%")
        .override("http.enabled", "FALSE")
        .override("alerts.error.rate.spike.factor", "2")
        .load();

    assertThat(config.kafka().cacheMaxBytes()).isEqualTo(65_536L);
    assertThat(config.alerts().warningFraction()).isEqualTo(0.70);
    assertThat(config.http().enabled()).isFalse();
    assertThat(config.alerts().errorRate().spikeFactor()).isEqualTo(2.0);
  }

  @Test
  void existingPricingFileAndIpv6BootstrapAreAccepted() throws Exception {
    Path prices = Files.writeString(dir.resolve("prices.json"), "{}");

    TokenmeterConfig config = ConfigLoader.create()
        .override("pricing.file", prices.toString())
        .override("kafka.bootstrap.servers", " [::1]:9092, SASL_SSL://broker-2.example.com:9093 ")
        .load();

    assertThat(config.pricing().overrideFile()).contains(prices);
    assertThat(config.kafka().bootstrapServers())
        .isEqualTo("[::1]:9092,SASL_SSL://broker-2.example.com:9093");
  }

  /** Each message names the key, the rejected value, what is allowed, and the environment variable. */
  @ParameterizedTest(name = "{0} = ''{1}''")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      kafka.bootstrap.servers          | localhost         | expected a comma-separated list of host:port with ports 1 to 65535, such as 127.0.0.1:9092,broker-2:9092; 'localhost' is not host:port
      kafka.bootstrap.servers          | a:9092,b:70000    | port 70000 of 'b:70000' is out of range
      kafka.application.id             | token meter       | expected an application id of 1 to 249 characters from a-z, A-Z, 0-9, '.', '_' and '-'
      kafka.processing.guarantee       | exactly_once      | expected one of exactly_once_v2, at_least_once (case-insensitive)
      kafka.commit.interval            | 1000              | expected a duration >= 0, such as 500ms, 90s, 2m, 1h, 7d or ISO-8601 PT2M (a bare number has no unit)
      kafka.commit.interval            | -1s               | expected a duration >= 0, such as 500ms, 90s, 2m, 1h, 7d or ISO-8601 PT2M
      kafka.cache.max.bytes            | 16MB              | expected a size in bytes >= 0, such as 16777216, 512KiB, 16MiB or 1GiB
      kafka.num.stream.threads         | 0                 | expected an integer >= 1
      kafka.schema.registry.url        | localhost:8081    | expected an http:// or https:// URL, such as http://localhost:8081, or empty for none
      topics.calls                     | llm/calls         | expected a topic name of 1 to 249 characters
      topics.partitions                | six               | expected an integer >= 1
      topics.replication.factor        | 40000             | expected an integer from 1 to 32767
      topics.output.retention          | 0s                | expected a duration > 0, such as 500ms
      rollup.grace                     | soon              | expected a duration >= 0
      rollup.dedup.horizon             | PT-1H             | expected a duration > 0
      rollup.max.distinct.values.per.dimension | 1e4       | expected an integer >= 1
      rollup.max.distinct.values.per.tenant | 0            | expected an integer >= 1
      rollup.distinct.values.expire.after | 30s            | expected a duration >= 1m
      rollup.distinct.values.expire.after | 24            | expected a duration >= 1m, such as 500ms, 90s, 2m, 1h, 7d or ISO-8601 PT2M (a bare number has no unit)
      alerts.rate.limit.critical       | 1.5               | expected a fraction in (0, 1], such as 0.8 or 80%
      alerts.rate.limit.warning        | 0                 | expected a fraction in (0, 1]
      alerts.calm.windows              | 2.5               | expected an integer >= 1
      alerts.error.rate.min.requests   | 99999999999       | expected an integer >= 1
      alerts.error.rate.spike.factor   | 0.5               | expected a number >= 1.0
      alerts.error.rate.spike.factor   | NaN               | expected a number >= 1.0
      alerts.error.rate.min.rate       | 500%              | expected a fraction in (0, 1]
      alerts.error.rate.baseline.alpha | -0.2              | expected a fraction in (0, 1]
      pricing.file                     | /no/such/prices.json | expected an existing file, or empty for none; /no/such/prices.json does not exist or is not a file
      http.enabled                     | yes               | expected true or false
      http.host                        | my host           | expected a host name or IP address
      http.port                        | 65536             | expected an integer from 0 to 65535
      """)
  void badValueMessageNamesKeyValueAllowedValuesAndSource(
      String key, String value, String expected) {
    String env = "TOKENMETER_" + key.toUpperCase().replace('.', '_');

    ConfigException e = failureFromEnv(env, value);

    assertThat(e.problems()).hasSize(1);
    assertThat(e.problems().get(0))
        .startsWith(
            "invalid value '" + value + "' for " + key + " (environment variable " + env + "): ")
        .contains(expected);
  }

  @Test
  void badValueInFileNamesTheFileAndLine() {
    Path file = writeFile(dir, "# tuning", "", "kafka.commit.interval=100");

    ConfigException e = failure(ConfigLoader.create().file(file));

    assertThat(e.getMessage())
        .isEqualTo("Invalid Tokenmeter configuration: invalid value '100' for kafka.commit.interval"
            + " (file " + file
            + ":3): expected a duration >= 0, such as 500ms, 90s, 2m, 1h, 7d or ISO-8601 PT2M"
            + " (a bare number has no unit)");
  }

  @Test
  void badValueFromAFlagNamesTheFlag() {
    ConfigException e = failure(
        ConfigLoader.create().override("kafka.bootstrap.servers", "broker", "--bootstrap-server"));

    assertThat(e.getMessage())
        .contains("invalid value 'broker' for kafka.bootstrap.servers (flag --bootstrap-server)");
  }

  @Test
  void stateDirThatIsAFileIsRejected() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "");

    ConfigException e =
        failure(ConfigLoader.create().env(Map.of("TOKENMETER_KAFKA_STATE_DIR", file.toString())));

    assertThat(e.getMessage())
        .contains("for kafka.state.dir (environment variable TOKENMETER_KAFKA_STATE_DIR):"
            + " expected a directory, but " + file + " is a file");
  }
}
