package io.tokenmeter.config;

import java.util.List;

/**
 * The configuration cannot be used. Thrown once at start with every problem found, so that the
 * operator fixes them all in one pass instead of one restart per typo.
 *
 * <p>Each problem names the key, the rejected value (unless it is a secret), what is allowed, and
 * where the value came from: a file and line, an environment variable or a command-line flag.
 */
public final class ConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  /** @param problems one sentence per problem, at least one */
  public ConfigException(List<String> problems) {
    super(message(problems));
    this.problems = List.copyOf(problems);
  }

  /** Each problem on its own, in the order found. */
  public List<String> problems() {
    return problems;
  }

  private static String message(List<String> problems) {
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a ConfigException needs at least one problem");
    }
    if (problems.size() == 1) {
      return "Invalid Tokenmeter configuration: " + problems.get(0);
    }
    StringBuilder sb = new StringBuilder("Invalid Tokenmeter configuration, ")
        .append(problems.size())
        .append(" problems:");
    for (int i = 0; i < problems.size(); i++) {
      sb.append(System.lineSeparator())
          .append("  ")
          .append(i + 1)
          .append(". ")
          .append(problems.get(i));
    }
    return sb.toString();
  }
}
