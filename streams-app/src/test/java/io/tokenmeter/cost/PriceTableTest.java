package io.tokenmeter.cost;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PriceTableTest {

  private static final Instant AT = Instant.parse("2026-07-01T00:00:00Z");

  private static Optional<BigDecimal> inputPrice(PriceTable table, String provider, String model) {
    return table.find(provider, model, AT).map(ModelPrice::input);
  }

  @Test
  void exactModelIdWinsOverItsFamily() {
    PriceTable table = Tables.of(
        "openai|gpt-4o|2026-01-01|2.50|1.25||10.00|test|2026-01-01",
        "openai|gpt-4o-2024-05-13|2026-01-01|5.00|||15.00|test|2026-01-01");

    assertThat(inputPrice(table, "openai", "gpt-4o-2024-05-13")).contains(new BigDecimal("5.00"));
    assertThat(inputPrice(table, "openai", "gpt-4o")).contains(new BigDecimal("2.50"));
  }

  @Test
  void datedOpenAiSnapshotIsPricedAsItsFamily() {
    PriceTable table = Tables.of("openai|gpt-4o|2026-01-01|2.50|1.25||10.00|test|2026-01-01");

    assertThat(inputPrice(table, "openai", "gpt-4o-2024-11-20")).contains(new BigDecimal("2.50"));
  }

  @Test
  void datedAnthropicSnapshotIsPricedAsItsFamily() {
    PriceTable table =
        Tables.of("anthropic|claude-sonnet-4-5|2026-01-01|3.00|0.30|3.75|15.00|test|2026-01-01");

    assertThat(inputPrice(table, "anthropic", "claude-sonnet-4-5-20250929"))
        .contains(new BigDecimal("3.00"));
  }

  @Test
  void familyAliasFindsTheOnlyDatedRowOfThatFamily() {
    PriceTable table = Tables.of(
        "anthropic|claude-sonnet-4-5-20250929|2026-01-01|3.00|0.30|3.75|15.00|test|2026-01-01");

    assertThat(inputPrice(table, "anthropic", "claude-sonnet-4-5"))
        .contains(new BigDecimal("3.00"));
    assertThat(inputPrice(table, "anthropic", "claude-sonnet-4-5-20260101"))
        .contains(new BigDecimal("3.00"));
  }

  @Test
  void familyWithTwoDatedRowsAndNoRowOfItsOwnIsUnpriced() {
    PriceTable table = Tables.of(
        "openai|gpt-4o-2024-05-13|2026-01-01|5.00|||15.00|test|2026-01-01",
        "openai|gpt-4o-2024-08-06|2026-01-01|2.50|1.25||10.00|test|2026-01-01");

    assertThat(inputPrice(table, "openai", "gpt-4o")).isEmpty();
    assertThat(inputPrice(table, "openai", "gpt-4o-2024-11-20")).isEmpty();
  }

  @Test
  void longestKnownFamilyWins() {
    PriceTable table = Tables.of(
        "openai|gpt-4o|2026-01-01|2.50|1.25||10.00|test|2026-01-01",
        "openai|gpt-4o-mini|2026-01-01|0.15|0.075||0.60|test|2026-01-01");

    assertThat(inputPrice(table, "openai", "gpt-4o-mini-2024-07-18"))
        .contains(new BigDecimal("0.15"));
  }

  @Test
  void aModelIsNeverPricedAsAnotherThatMerelySharesItsPrefix() {
    PriceTable table = Tables.of("openai|gpt-5.2|2026-01-01|1.75|0.175||14.00|test|2026-01-01");

    assertThat(inputPrice(table, "openai", "gpt-5.2-pro")).isEmpty();
    assertThat(inputPrice(table, "openai", "gpt-5.2-pro-2025-12-11")).isEmpty();
  }

  @Test
  void matchingIgnoresCaseOfModelAndProvider() {
    PriceTable table = Tables.of("openai|gpt-4o|2026-01-01|2.50|1.25||10.00|test|2026-01-01");

    assertThat(inputPrice(table, "OpenAI", "GPT-4o-2024-08-06")).contains(new BigDecimal("2.50"));
  }

  @Test
  void sameModelFromAnotherProviderIsUnpriced() {
    PriceTable table = Tables.of("openai|gpt-4o|2026-01-01|2.50|1.25||10.00|test|2026-01-01");

    assertThat(inputPrice(table, "azure.ai.openai", "gpt-4o")).isEmpty();
  }

  @Test
  void unknownModelIsUnpriced() {
    PriceTable table = Tables.of("openai|gpt-4o|2026-01-01|2.50|1.25||10.00|test|2026-01-01");

    assertThat(inputPrice(table, "openai", "gpt-7")).isEmpty();
  }

  @Test
  void rowInForceIsTheLatestWhoseEffectiveDayHasBegunInUtc() {
    PriceTable table = Tables.of(
        "openai|gpt-5.6|2026-07-30|4.00|0.40|5.00|20.00|test|2026-11-27",
        "openai|gpt-5.6|2026-07-09|5.00|0.50|6.25|30.00|test|2026-07-15");

    assertThat(table.find("openai", "gpt-5.6", Instant.parse("2026-07-09T00:00:00Z")))
        .map(ModelPrice::output)
        .contains(new BigDecimal("30.00"));
    assertThat(table.find("openai", "gpt-5.6", Instant.parse("2026-07-29T23:59:59.999Z")))
        .map(ModelPrice::output)
        .contains(new BigDecimal("30.00"));
    assertThat(table.find("openai", "gpt-5.6", Instant.parse("2026-07-30T00:00:00Z")))
        .map(ModelPrice::output)
        .contains(new BigDecimal("20.00"));
  }

  @Test
  void eventBeforeTheEarliestRowIsUnpriced() {
    PriceTable table = Tables.of("openai|gpt-4o|2026-01-01|2.50|1.25||10.00|test|2026-01-01");

    assertThat(table.find("openai", "gpt-4o", Instant.parse("2025-12-31T23:59:59Z")))
        .isEmpty();
  }

  @Test
  void exactRowsNotYetInForceDoNotFallBackToTheFamily() {
    PriceTable table = Tables.of(
        "openai|gpt-4o|2026-01-01|2.50|1.25||10.00|test|2026-01-01",
        "openai|gpt-4o-2024-05-13|2026-09-01|5.00|||15.00|test|2026-09-01");

    assertThat(inputPrice(table, "openai", "gpt-4o-2024-05-13")).isEmpty();
  }
}
