package io.tokenmeter.cost;

import static io.tokenmeter.cost.Calls.PRICED_DAY;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The table that ships: parseable, traceable to its sources, and covering the common models. */
class BundledPriceTableTest {

  private final PriceTable table = TablePricing.bundledTable();

  @Test
  void versionIsTheDayThePricesWereTaken() {
    assertThat(table.version()).isEqualTo("2026-11-27");
  }

  @Test
  void everyRowHasASourceAndTheDateItWasTaken() {
    assertThat(table.rows()).isNotEmpty().allSatisfy(row -> {
      assertThat(row.source()).isNotBlank();
      assertThat(row.takenOn()).isEqualTo(LocalDate.parse("2026-11-27"));
      assertThat(row.effectiveFrom()).isEqualTo(LocalDate.parse("2026-11-27"));
    });
  }

  @Test
  void everyRowPricesInputAndOutput() {
    assertThat(table.rows()).allSatisfy(row -> {
      assertThat(row.input()).as(row.model()).isNotNull();
      assertThat(row.output()).as(row.model()).isNotNull();
    });
  }

  @ParameterizedTest(name = "{0} {1} → {2}")
  @CsvSource({
    // Snapshot ids the SDK sees in responses, and the row that prices them.
    "openai, gpt-4o-2024-08-06, gpt-4o-2024-08-06",
    "openai, gpt-4o-2024-11-20, gpt-4o",
    "openai, gpt-4o-mini-2024-07-18, gpt-4o-mini",
    "openai, gpt-4.1-2025-04-14, gpt-4.1",
    "openai, gpt-4.1-mini-2025-04-14, gpt-4.1-mini",
    "openai, o3-2025-04-16, o3",
    "openai, o3-mini-2025-01-31, o3-mini",
    "openai, o4-mini-2025-04-16, o4-mini",
    "openai, gpt-5-2025-08-07, gpt-5",
    "openai, gpt-5-mini-2025-08-07, gpt-5-mini",
    "openai, text-embedding-3-small, text-embedding-3-small",
    "anthropic, claude-sonnet-4-5, claude-sonnet-4-5-20250929",
    "anthropic, claude-sonnet-4-5-20250929, claude-sonnet-4-5-20250929",
    "anthropic, claude-3-5-haiku-20241022, claude-3-5-haiku-20241022",
    "anthropic, claude-opus-4-1, claude-opus-4-1-20250805",
    "anthropic, claude-haiku-4-5, claude-haiku-4-5-20251001",
  })
  void commonModelsArePriced(String provider, String model, String row) {
    assertThat(table.find(provider, model, PRICED_DAY)).map(ModelPrice::model).contains(row);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        // model | input | cache read | cache creation | output, as in the source
        "gpt-4o | 2.50 | 1.25 | - | 10.00",
        "gpt-4o-mini | 0.15 | 0.075 | - | 0.60",
        "gpt-4-turbo | 10.00 | - | - | 30.00",
        "o3-mini | 1.10 | 0.55 | - | 4.40",
        "gpt-5.6-sol | 4.00 | 0.40 | 5.00 | 20.00",
        "text-embedding-3-large | 0.13 | - | - | 0.00",
        "claude-sonnet-4-5-20250929 | 3.00 | 0.30 | 3.75 | 15.00",
        "claude-opus-4-1-20250805 | 15.00 | 1.50 | 18.75 | 75.00",
        "claude-haiku-5-5 | 0.10 | - | - | 0.50",
      })
  void pricesAreCopiedExactlyWithBlanksLeftBlank(
      String model, String input, String cacheRead, String cacheCreation, String output) {
    ModelPrice row =
        table.rows().stream().filter(r -> r.model().equals(model)).findFirst().orElseThrow();

    assertThat(plain(row.input())).isEqualTo(input);
    assertThat(plain(row.cacheReadInput())).isEqualTo(cacheRead);
    assertThat(plain(row.cacheCreationInput())).isEqualTo(cacheCreation);
    assertThat(plain(row.output())).isEqualTo(output);
  }

  private static String plain(java.math.BigDecimal price) {
    return price == null ? null : price.toPlainString();
  }
}
