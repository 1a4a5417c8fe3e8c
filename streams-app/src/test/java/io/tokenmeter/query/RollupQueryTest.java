package io.tokenmeter.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RollupQueryTest {

  private static final long NOW = Rollups.T0.toEpochMilli();
  private static final Duration RETENTION = Duration.ofHours(6);

  private static RollupQuery parse(String query) {
    return RollupQuery.parse(RollupQuery.parameters(query), Set.of("metric"), NOW, RETENTION);
  }

  @Test
  void lastIsAnHourBackFromNowByDefault() {
    RollupQuery q = parse("");
    assertThat(q.from()).isEqualTo(NOW - 3_600_000);
    assertThat(q.to()).isEqualTo(NOW);
    assertThat(q.filters()).isEmpty();
  }

  @Test
  void fromAndToTakeIsoInstantsOrEpochMillisAndFiltersAreDecoded() {
    RollupQuery q = parse(
        "from=2026-11-27T09:00:00Z&to=" + (NOW - 60_000) + "&org=org%201&project=p%2F1&key=fp");
    assertThat(q.from()).isEqualTo(NOW - 3_600_000);
    assertThat(q.to()).isEqualTo(NOW - 60_000);
    assertThat(q.filters())
        .isEqualTo(Map.of(Dimension.ORG, "org 1", Dimension.PROJECT, "p/1", Dimension.KEY, "fp"));
    assertThat(q.orgProjectKey()).isEqualTo("org 1/p/1");
  }

  @ParameterizedTest(name = "{0} -> 400 naming {1}")
  @CsvSource(
      delimiter = ';',
      value = {
        "last=ten;last",
        "last=0m;last",
        "last=15;last",
        "last=7h;last",
        "from=yesterday;from",
        "to=2026-13-01T00:00:00Z;to",
        "from=1764230400000&to=1764230400000;from",
        "from=2026-11-27T03:00:00Z;from",
        "last=1h&from=1764230400000;last",
        "bogus=1;bogus",
        "org=;org",
        "org=a&org=b;org",
      })
  void aBadParameterIsNamed(String query, String parameter) {
    assertThatThrownBy(() -> parse(query))
        .isInstanceOfSatisfying(
            BadParameterException.class, e -> assertThat(e.parameter()).isEqualTo(parameter));
  }

  @Test
  void aRangeOlderThanTheRetentionPointsToPostgres() {
    assertThatThrownBy(() -> parse("last=7h"))
        .hasMessageContaining("PostgreSQL")
        .hasMessageContaining("query.retention");
  }

  @Test
  void theQueryStringRoundTripsForAnotherInstance() {
    RollupQuery q = parse("last=30m&org=org%201&service=a%26b");
    assertThat(
            RollupQuery.parse(RollupQuery.parameters(q.toQueryString()), Set.of(), NOW, RETENTION))
        .isEqualTo(q);
  }
}
