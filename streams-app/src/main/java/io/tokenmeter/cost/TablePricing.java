package io.tokenmeter.cost;

import io.tokenmeter.config.PricingSettings;
import io.tokenmeter.schemas.LlmCallEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * {@link Pricing} from a {@link PriceTable}: the bundled one, or the file named by {@code
 * pricing.file}.
 */
public final class TablePricing implements Pricing {

  /** The bundled table, a resource beside this class. */
  static final String BUNDLED_RESOURCE = "prices.tsv";

  private final PriceTable table;

  public TablePricing(PriceTable table) {
    this.table = table;
  }

  /**
   * Reads the override file when one is set, else the bundled table.
   *
   * @throws PriceTableException when the table cannot be read or parsed; the message names the
   *     file, line and column, so the app fails at start instead of pricing wrongly
   */
  public static TablePricing from(PricingSettings settings) {
    PriceTable table =
        settings.overrideFile().map(TablePricing::readFile).orElseGet(TablePricing::bundledTable);
    return new TablePricing(table);
  }

  /** The price table that ships with the app. */
  public static PriceTable bundledTable() {
    String origin = "bundled price table io/tokenmeter/cost/" + BUNDLED_RESOURCE;
    try (InputStream in = TablePricing.class.getResourceAsStream(BUNDLED_RESOURCE)) {
      if (in == null) {
        throw new PriceTableException(origin + ": not on the classpath");
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      return PriceTableParser.parse(origin, reader.lines().toList());
    } catch (IOException e) {
      throw new UncheckedIOException(origin + ": cannot be read", e);
    }
  }

  private static PriceTable readFile(Path file) {
    String origin = "pricing.file " + file;
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new PriceTableException(origin + ": cannot be read as UTF-8 text: " + e, e);
    }
    return PriceTableParser.parse(origin, lines);
  }

  /** The table in use. */
  public PriceTable table() {
    return table;
  }

  @Override
  public String version() {
    return table.version();
  }

  @Override
  public OptionalLong costMicros(LlmCallEvent event) {
    // The answering model is the one billed; the requested one may be an alias.
    String model = event.getResponseModel();
    if (model == null || model.isBlank()) {
      model = event.getRequestModel();
    }
    var usage = TokenUsage.of(event);
    var price = table.find(event.getProvider(), model, event.getTimestamp());
    if (usage.isEmpty() || price.isEmpty()) {
      return OptionalLong.empty();
    }
    return price.get().costMicros(usage.get());
  }
}
