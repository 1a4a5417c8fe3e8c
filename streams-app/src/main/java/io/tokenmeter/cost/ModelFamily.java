package io.tokenmeter.cost;

import java.util.Locale;
import java.util.regex.Pattern;

/** Model id normalisation: case, and the date suffix that marks a snapshot of a family. */
final class ModelFamily {

  // OpenAI dates snapshots as -2024-08-06, Anthropic as -20250929.
  private static final Pattern DATE_SUFFIX = Pattern.compile("-(\\d{4}-\\d{2}-\\d{2}|\\d{8})$");

  private ModelFamily() {}

  static String normalise(String id) {
    return id.strip().toLowerCase(Locale.ROOT);
  }

  /** A snapshot's family ({@code gpt-4o-2024-08-06} → {@code gpt-4o}); an undated id is its own. */
  static String of(String id) {
    return DATE_SUFFIX.matcher(normalise(id)).replaceFirst("");
  }
}
