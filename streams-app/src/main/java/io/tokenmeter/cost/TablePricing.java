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
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

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
    long input = orZero(event.getInputTokens());
    long cacheRead = orZero(event.getCacheReadInputTokens());
    long cacheCreation = orZero(event.getCacheCreationInputTokens());
    long output = orZero(event.getOutputTokens());
    if (input < 0 || cacheRead < 0 || cacheCreation < 0 || output < 0) {
      return OptionalLong.empty(); // as TokenUsage.of: no provider reports a negative count
    }
    LongPrice price =
        timeline(event.getProvider(), model).at(event.getTimestamp().toEpochMilli());
    if (price == null) {
      return OptionalLong.empty();
    }
    // As TokenUsage.of: cache reads and writes come out of input, floored at 0.
    return price.costMicros(
        Math.max(0, input - cacheRead - cacheCreation), cacheRead, cacheCreation, output);
  }

  private static long orZero(Long count) {
    return count == null ? 0 : count;
  }

  /**
   * The rows of a provider and model as events spell them, resolved once ({@link PriceTable#find}
   * has the matching rules) and kept, so that a call costs two hash lookups. A flood of made-up
   * model names stops being kept at {@link #MAX_RESOLVED} and is resolved per call.
   */
  private Timeline timeline(String provider, String model) {
    Map<String, Timeline> models =
        resolved.computeIfAbsent(provider == null ? "" : provider, p -> new ConcurrentHashMap<>());
    Timeline t = models.get(model);
    if (t == null) {
      t = Timeline.of(table, provider, model);
      if (resolvedCount.incrementAndGet() <= MAX_RESOLVED) {
        models.put(model, t);
      }
    }
    return t;
  }

  private static final int MAX_RESOLVED = 10_000;
  /** Shared by the stream threads, which price concurrently. */
  private final Map<String, Map<String, Timeline>> resolved = new ConcurrentHashMap<>();

  private final AtomicInteger resolvedCount = new AtomicInteger();

  /** The rows in force for one provider and model, each from the start of its UTC day. */
  private record Timeline(long[] fromMillis, LongPrice[] prices) {

    static Timeline of(PriceTable table, String provider, String model) {
      List<ModelPrice> rows = table.timeline(provider, model);
      long[] from = new long[rows.size()];
      LongPrice[] prices = new LongPrice[rows.size()];
      for (int i = 0; i < rows.size(); i++) {
        from[i] =
            rows.get(i).effectiveFrom().atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        prices[i] = new LongPrice(rows.get(i));
      }
      return new Timeline(from, prices);
    }

    /** The latest row whose day has begun at {@code epochMillis}, or null. */
    LongPrice at(long epochMillis) {
      LongPrice inForce = null;
      for (int i = 0; i < fromMillis.length && fromMillis[i] <= epochMillis; i++) {
        inForce = prices[i];
      }
      return inForce;
    }
  }
}
