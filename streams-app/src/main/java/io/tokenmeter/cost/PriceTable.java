package io.tokenmeter.cost;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A versioned list of {@link ModelPrice} rows, looked up by provider, model and event time.
 *
 * <p>Matching, all case-insensitive: the exact model id first; else its family, the id without a
 * {@code -YYYY-MM-DD} or {@code -YYYYMMDD} suffix. A family is priced by its own row, or, when it
 * has none, by the one dated row of that family (so {@code claude-sonnet-4-5} finds {@code
 * claude-sonnet-4-5-20250929}). There is no prefix matching: {@code gpt-5.2-pro} costs twelve
 * times {@code gpt-5.2}, so a guess by prefix would be badly wrong.
 */
public final class PriceTable {

  private final String version;
  private final List<ModelPrice> rows;
  private final Map<String, List<ModelPrice>> byModel = new HashMap<>();
  private final Map<String, List<ModelPrice>> byDatedMemberOfFamily = new HashMap<>();

  /** Rows need not be sorted; the parser has already rejected duplicates. */
  public PriceTable(String version, List<ModelPrice> rows) {
    this.version = version;
    this.rows = List.copyOf(rows);
    for (ModelPrice row : rows) {
      byModel
          .computeIfAbsent(key(row.provider(), row.model()), k -> new ArrayList<>())
          .add(row);
    }
    byModel.values().forEach(list -> list.sort(Comparator.comparing(ModelPrice::effectiveFrom)));
    indexFamiliesWithoutTheirOwnRow();
  }

  private void indexFamiliesWithoutTheirOwnRow() {
    Map<String, Set<String>> datedModelsByFamily = new HashMap<>();
    for (ModelPrice row : rows) {
      String family = ModelFamily.of(row.model());
      boolean dated = !family.equals(ModelFamily.normalise(row.model()));
      if (dated && !byModel.containsKey(key(row.provider(), family))) {
        datedModelsByFamily
            .computeIfAbsent(key(row.provider(), family), k -> new TreeSet<>())
            .add(key(row.provider(), row.model()));
      }
    }
    // Two snapshots of one family may be priced differently; then the family alone says too little.
    datedModelsByFamily.forEach((family, models) -> {
      if (models.size() == 1) {
        byDatedMemberOfFamily.put(family, byModel.get(models.iterator().next()));
      }
    });
  }

  /** The table's version, from its {@code # version:} line. */
  public String version() {
    return version;
  }

  /** Every row, in file order. */
  public List<ModelPrice> rows() {
    return rows;
  }

  /**
   * The row in force for {@code model} at {@code at}: the latest whose {@code effective_from} (a
   * UTC day) is not after it. Empty for an unknown model or a time before the model's first row.
   */
  public Optional<ModelPrice> find(String provider, String model, Instant at) {
    List<ModelPrice> timeline = timeline(provider, model);
    LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);
    ModelPrice inForce = null;
    for (ModelPrice row : timeline) {
      if (row.effectiveFrom().isAfter(day)) {
        break;
      }
      inForce = row;
    }
    return Optional.ofNullable(inForce);
  }

  /** Every row that can price {@code model}, by {@code effective_from}; empty for an unknown model. */
  List<ModelPrice> timeline(String provider, String model) {
    List<ModelPrice> timeline = byModel.get(key(provider, model));
    if (timeline == null) {
      String family = key(provider, ModelFamily.of(model));
      timeline = byModel.getOrDefault(family, byDatedMemberOfFamily.get(family));
    }
    return timeline == null ? List.of() : timeline;
  }

  private static String key(String provider, String model) {
    return ModelFamily.normalise(provider) + '\t' + ModelFamily.normalise(model);
  }
}
