package io.tokenmeter.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

class PriceTableParserTest {

  private static final String GPT_4O =
      "openai|gpt-4o|2026-01-01|2.50|1.25||10.00|litellm|2026-01-02";

  @Test
  void readsEveryColumnOfARow() {
    ModelPrice row = Tables.of(GPT_4O).rows().get(0);

    assertThat(row)
        .isEqualTo(new ModelPrice(
            "openai",
            "gpt-4o",
            LocalDate.parse("2026-01-01"),
            new BigDecimal("2.50"),
            new BigDecimal("1.25"),
            null,
            new BigDecimal("10.00"),
            "litellm",
            LocalDate.parse("2026-01-02")));
  }

  @Test
  void blankPriceIsNoPriceButZeroIsAPrice() {
    ModelPrice row = Tables.of(
            "openai|text-embedding-3-small|2026-01-01|0.02|||0.00|litellm|2026-01-01")
        .rows()
        .get(0);

    assertThat(row.cacheReadInput()).isNull();
    assertThat(row.output()).isEqualByComparingTo("0");
  }

  @Test
  void versionComesFromTheVersionCommentLine() {
    PriceTable table = PriceTableParser.parse(
        "t",
        List.of(
            "# prices for tests",
            "#   version:   2026-11-27  ",
            "",
            Tables.HEADER,
            "# a comment between rows",
            GPT_4O.replace('|', '\t')));

    assertThat(table.version()).isEqualTo("2026-11-27");
    assertThat(table.rows()).hasSize(1);
  }

  @Test
  void windowsLineEndingsAreAccepted() {
    List<String> lines = Tables.lines(GPT_4O).stream().map(l -> l + "\r").toList();

    assertThat(PriceTableParser.parse("t", lines).rows()).hasSize(1);
  }

  @Test
  void priceThatIsNotANumberNamesLineAndColumn() {
    assertThatThrownBy(() -> Tables.of(GPT_4O, "openai|o3|2026-01-01|2.OO|0.50||8.00|x|2026-01-01"))
        .isInstanceOf(PriceTableException.class)
        .hasMessage(
            "test table line 4, column 4: input_usd_per_1m '2.OO' is not a plain decimal number"
                + " of USD like 2.50");
  }

  @Test
  void negativeOrExponentPriceIsRejected() {
    assertThatThrownBy(() -> Tables.of("openai|o3|2026-01-01|2.00|-0.50||8.00|x|2026-01-01"))
        .hasMessageStartingWith("test table line 3, column 5: cache_read_input_usd_per_1m '-0.50'");
    assertThatThrownBy(() -> Tables.of("openai|o3|2026-01-01|2.00|0.50||8e0|x|2026-01-01"))
        .hasMessageStartingWith("test table line 3, column 7: output_usd_per_1m '8e0'");
  }

  @Test
  void missingColumnNamesWhereTheRowEnds() {
    assertThatThrownBy(() -> Tables.of("openai|o3|2026-01-01|2.00|0.50||8.00|x"))
        .hasMessage(
            "test table line 3, column 9: missing column 'taken_on': expected 9 tab-separated"
                + " columns, found 8");
  }

  @Test
  void extraColumnIsRejected() {
    assertThatThrownBy(() -> Tables.of(GPT_4O + "|50%"))
        .hasMessage("test table line 3, column 10: extra column: expected 9 tab-separated columns,"
            + " found 10");
  }

  @Test
  void badEffectiveDateNamesTheColumn() {
    assertThatThrownBy(() -> Tables.of("openai|o3|2026-13-01|2.00|0.50||8.00|x|2026-01-01"))
        .hasMessage("test table line 3, column 3: effective_from '2026-13-01' is not a date like"
            + " 2026-11-27");
  }

  @Test
  void rowWithoutSourceOrDateTakenIsRejected() {
    assertThatThrownBy(() -> Tables.of("openai|o3|2026-01-01|2.00|0.50||8.00||2026-01-01"))
        .hasMessage("test table line 3, column 8: source is empty; it is required");
    assertThatThrownBy(() -> Tables.of("openai|o3|2026-01-01|2.00|0.50||8.00|x|"))
        .hasMessage("test table line 3, column 9: taken_on is empty; it is required");
  }

  @Test
  void wrongHeaderNamesTheFirstColumnThatDiffers() {
    List<String> lines =
        List.of("# version: v", "provider\tmodel\tinput_usd_per_1m", GPT_4O.replace('|', '\t'));

    assertThatThrownBy(() -> PriceTableParser.parse("t", lines))
        .hasMessageStartingWith(
            "t line 2, column 3: header expected 'effective_from' but found 'input_usd_per_1m'");
  }

  @Test
  void tableWithoutVersionIsRejected() {
    List<String> lines = List.of(Tables.HEADER, GPT_4O.replace('|', '\t'));

    assertThatThrownBy(() -> PriceTableParser.parse("t", lines))
        .hasMessage("t: no '# version: ...' line");
  }

  @Test
  void secondVersionLineIsRejected() {
    List<String> lines = List.of("# version: a", "# version: b", Tables.HEADER);

    assertThatThrownBy(() -> PriceTableParser.parse("t", lines))
        .hasMessage("t line 2, column 1: a second '# version:' line; the table has one version");
  }

  @Test
  void versionOfMoreThanOneWordIsRejected() {
    List<String> lines = List.of("# version: next week", Tables.HEADER);

    assertThatThrownBy(() -> PriceTableParser.parse("t", lines))
        .hasMessage(
            "t line 1, column 1: '# version:' needs one word, like 2026-11-27; found 'next week'");
  }

  @Test
  void tableWithoutRowsIsRejected() {
    assertThatThrownBy(Tables::of).hasMessage("test table: no price rows after the header");
  }

  @Test
  void duplicateModelAndEffectiveDateIsRejected() {
    assertThatThrownBy(() -> Tables.of(GPT_4O, GPT_4O.replace("gpt-4o", "GPT-4o")))
        .hasMessage(
            "test table line 4, column 3: duplicate of line 3: one row per provider, model and"
                + " effective_from");
  }
}
