package io.tokenmeter.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The alert router ({@code tokenmeter router}, or inside {@code tokenmeter run}): reads {@code
 * topics.alerts} and delivers each state change to PagerDuty and/or a webhook.
 *
 * @param enabled {@code router.enabled}, default false: run the router inside {@code tokenmeter run}
 * @param groupId {@code router.group.id}, default {@code tokenmeter-router}: the consumer group
 *     whose committed offsets say what was delivered
 * @param deadLetterTopic {@code topics.alerts.dead.letter} (formerly {@code router.dead.letter.topic}), default {@code llm.alerts.dlq}: alerts
 *     a receiver refused (4xx other than 429), with the response
 * @param pagerDuty the PagerDuty receiver; empty when {@code router.pagerduty.routing.key} is not set
 * @param webhook the webhook receiver; empty when {@code router.webhook.url} is not set
 * @param retry {@code router.retry.*}
 * @param requestTimeout {@code router.request.timeout}, default 10 s: one HTTP request, connect to
 *     response
 * @param routes {@code router.route.<n>.*}, in index order; empty sends every alert to every
 *     configured receiver
 */
public record RouterSettings(
    boolean enabled,
    String groupId,
    String deadLetterTopic,
    Optional<PagerDuty> pagerDuty,
    Optional<Webhook> webhook,
    Retry retry,
    Duration requestTimeout,
    List<Route> routes) {

  /** The receiver names used in {@code router.route.<n>.receiver} and in dead-letter headers. */
  public static final String PAGERDUTY = "pagerduty";

  public static final String WEBHOOK = "webhook";

  public RouterSettings {
    Objects.requireNonNull(groupId, "groupId");
    Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
    Objects.requireNonNull(pagerDuty, "pagerDuty");
    Objects.requireNonNull(webhook, "webhook");
    Objects.requireNonNull(retry, "retry");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    routes = List.copyOf(routes);
  }

  /** The names of the configured receivers, PagerDuty first. */
  public List<String> receivers() {
    return pagerDuty.isPresent() && webhook.isPresent()
        ? List.of(PAGERDUTY, WEBHOOK)
        : pagerDuty.isPresent()
            ? List.of(PAGERDUTY)
            : webhook.isPresent() ? List.of(WEBHOOK) : List.of();
  }

  /**
   * PagerDuty Events API v2.
   *
   * @param url {@code router.pagerduty.url}, default {@code https://events.pagerduty.com/v2/enqueue}
   * @param routingKey {@code router.pagerduty.routing.key}: the integration key; a secret, never
   *     printed ({@link #toString()} hides it)
   * @param source {@code router.pagerduty.source}, default {@code tokenmeter}: {@code payload.source}
   */
  public record PagerDuty(URI url, String routingKey, String source) {

    public PagerDuty {
      Objects.requireNonNull(url, "url");
      Objects.requireNonNull(routingKey, "routingKey");
      Objects.requireNonNull(source, "source");
    }

    @Override
    public String toString() {
      return "PagerDuty[url=" + url + ", routingKey=" + ConfigKeys.REDACTED + ", source=" + source
          + "]";
    }
  }

  /**
   * A generic webhook that receives the Alertmanager (version 4) payload.
   *
   * @param url {@code router.webhook.url}; may hold a secret in its path or query, so {@link
   *     #toString()} shows only scheme, host and port
   * @param authorization {@code router.webhook.authorization}: the {@code Authorization} header
   *     value (such as {@code Bearer ...}), or empty; a secret, never printed
   */
  public record Webhook(URI url, Optional<String> authorization) {

    public Webhook {
      Objects.requireNonNull(url, "url");
      Objects.requireNonNull(authorization, "authorization");
    }

    @Override
    public String toString() {
      return "Webhook[url=" + ConfigDescription.redactWebhookUrl(url) + ", authorization="
          + authorization.map(a -> ConfigKeys.REDACTED) + "]";
    }
  }

  /**
   * Backoff between attempts: exponential with full jitter, from {@code initialBackoff} doubling up
   * to {@code maxBackoff}. A {@code Retry-After} header replaces the computed delay, capped at
   * {@code maxBackoff}.
   *
   * @param initialBackoff {@code router.retry.initial.backoff}, default 1 s
   * @param maxBackoff {@code router.retry.max.backoff}, default 2 min
   */
  public record Retry(Duration initialBackoff, Duration maxBackoff) {

    public Retry {
      Objects.requireNonNull(initialBackoff, "initialBackoff");
      Objects.requireNonNull(maxBackoff, "maxBackoff");
    }
  }

  /**
   * One routing rule: an alert that matches every given condition goes to {@code receiver}. Rules
   * are tried in index order; the first match wins unless it has {@code continueMatching}.
   *
   * @param receiver {@code router.route.<n>.receiver}: {@value #PAGERDUTY} or {@value #WEBHOOK}
   * @param severities {@code router.route.<n>.severities}: empty matches any
   * @param alertTypes {@code router.route.<n>.alert.types}: empty matches any
   * @param scope {@code router.route.<n>.scope.<label>}: each label must have exactly this value
   * @param continueMatching {@code router.route.<n>.continue}, default false: after a match, keep
   *     trying the later rules too
   */
  public record Route(
      String receiver,
      Set<String> severities,
      Set<String> alertTypes,
      Map<String, String> scope,
      boolean continueMatching) {

    public Route {
      Objects.requireNonNull(receiver, "receiver");
      severities = Set.copyOf(severities);
      alertTypes = Set.copyOf(alertTypes);
      scope = java.util.Collections.unmodifiableMap(new TreeMap<>(scope));
    }
  }
}
