package io.tokenmeter.cost;

import static io.tokenmeter.cost.Calls.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenmeter.config.PricingSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pricing.file}: a whole table that replaces the bundled one, checked at start. */
class PricingOverrideTest {

  @TempDir
  Path dir;

  @Test
  void withoutAnOverrideTheBundledTableIsUsed() {
    TablePricing pricing = TablePricing.from(new PricingSettings(Optional.empty()));

    assertThat(pricing.version()).isEqualTo("2026-11-27");
  }

  @Test
  void overrideFileReplacesTheBundledTable() throws IOException {
    Path file = dir.resolve("prices.tsv");
    Files.write(
        file, Tables.lines("openai|in-house-model|2026-01-01|1.00|||2.00|contract|2026-01-01"));

    TablePricing pricing = TablePricing.from(new PricingSettings(Optional.of(file)));

    assertThat(pricing.version()).isEqualTo("test");
    // 1,000 × 1.00 + 1,000 × 2.00
    assertThat(pricing.costMicros(call("openai", "in-house-model")
            .setInputTokens(1_000L)
            .setOutputTokens(1_000L)
            .build()))
        .hasValue(3_000);
    // The bundled rows are gone, not merged in.
    assertThat(pricing.costMicros(call("openai", "gpt-4o").setInputTokens(1L).build()))
        .isEmpty();
  }

  @Test
  void malformedOverrideFileFailsNamingTheKeyFileLineAndColumn() throws IOException {
    Path file = dir.resolve("bad.tsv");
    Files.write(file, Tables.lines("openai|gpt-4o|2026-01-01|2,50|1.25||10.00|x|2026-01-01"));

    assertThatThrownBy(() -> TablePricing.from(new PricingSettings(Optional.of(file))))
        .isInstanceOf(PriceTableException.class)
        .hasMessageStartingWith(
            "pricing.file " + file + " line 3, column 4: input_usd_per_1m '2,50'");
  }

  @Test
  void missingOverrideFileFailsNamingTheKeyAndFile() {
    Path file = dir.resolve("absent.tsv");

    assertThatThrownBy(() -> TablePricing.from(new PricingSettings(Optional.of(file))))
        .isInstanceOf(PriceTableException.class)
        .hasMessageStartingWith("pricing.file " + file + ": cannot be read");
  }
}
