package io.tokenmeter.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole configuration of the streams app, typed and validated once at start. Each component
 * reads only its own section.
 *
 * <p>Build it with {@link #load} or {@link ConfigLoader}; the keys are in {@code
 * docs/configuration.md}.
 */
public record TokenmeterConfig(
    KafkaSettings kafka,
    TopicSettings topics,
    RollupSettings rollup,
    AlertSettings alerts,
    PricingSettings pricing,
    HttpSettings http,
    RouterSettings router,
    ConnectSettings connect,
    QuerySettings query) {

  public TokenmeterConfig {
    Objects.requireNonNull(kafka, "kafka");
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(rollup, "rollup");
    Objects.requireNonNull(alerts, "alerts");
    Objects.requireNonNull(pricing, "pricing");
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(router, "router");
    Objects.requireNonNull(connect, "connect");
    Objects.requireNonNull(query, "query");
  }

  /** The eight sections that existed before {@code query}; live queries keep their default retention. */
  public TokenmeterConfig(
      KafkaSettings kafka,
      TopicSettings topics,
      RollupSettings rollup,
      AlertSettings alerts,
      PricingSettings pricing,
      HttpSettings http,
      RouterSettings router,
      ConnectSettings connect) {
    this(kafka, topics, rollup, alerts, pricing, http, router, connect, QuerySettings.defaults());
  }

  /** The seven sections that existed before {@code connect}; the Connect JSON copies are off. */
  public TokenmeterConfig(
      KafkaSettings kafka,
      TopicSettings topics,
      RollupSettings rollup,
      AlertSettings alerts,
      PricingSettings pricing,
      HttpSettings http,
      RouterSettings router) {
    this(kafka, topics, rollup, alerts, pricing, http, router, ConnectSettings.disabled());
  }

  /** The six sections that existed before {@code router}; the router gets its defaults (disabled). */
  public TokenmeterConfig(
      KafkaSettings kafka,
      TopicSettings topics,
      RollupSettings rollup,
      AlertSettings alerts,
      PricingSettings pricing,
      HttpSettings http) {
    this(
        kafka,
        topics,
        rollup,
        alerts,
        pricing,
        http,
        defaults().router(),
        ConnectSettings.disabled());
  }

  /** The five sections that existed before {@code http}; the HTTP server gets its defaults. */
  public TokenmeterConfig(
      KafkaSettings kafka,
      TopicSettings topics,
      RollupSettings rollup,
      AlertSettings alerts,
      PricingSettings pricing) {
    this(kafka, topics, rollup, alerts, pricing, defaults().http());
  }

  /**
   * Loads and checks the configuration: defaults, then {@code file}, then {@code TOKENMETER_*}
   * variables in {@code env}, then {@code overrides} (configuration key to value).
   *
   * @throws ConfigException listing every problem, each with its key, value and source
   */
  public static TokenmeterConfig load(
      Optional<Path> file, Map<String, String> env, Map<String, String> overrides) {
    return ConfigLoader.create().file(file).env(env).overrides(overrides).load();
  }

  /** The built-in defaults, with no file, environment or overrides. */
  public static TokenmeterConfig defaults() {
    return ConfigLoader.create().load();
  }

  /**
   * The effective configuration, one {@code key = value} line per setting, for {@code tokenmeter
   * run} to log at start. Secrets are replaced by {@code [redacted]}; values are written as the
   * loader reads them (2m, 16MiB), so a line can be copied into a properties file.
   */
  public String describe() {
    StringBuilder sb = new StringBuilder("Tokenmeter configuration:");
    ConfigDescription.toProperties(this, true)
        .forEach((key, value) -> sb.append(System.lineSeparator())
            .append("  ")
            .append(key)
            .append(" = ")
            .append(value));
    return sb.toString();
  }
}
