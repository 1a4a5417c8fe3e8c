package io.tokenmeter.config;

import static io.tokenmeter.config.ConfigKeys.CLIENT_PREFIX;
import static io.tokenmeter.config.ConfigKeys.RATE_LIMIT_FIELDS;
import static io.tokenmeter.config.ConfigKeys.RATE_LIMIT_PREFIX;
import static io.tokenmeter.config.ConfigKeys.ROUTE_FIELDS;
import static io.tokenmeter.config.ConfigKeys.ROUTE_PREFIX;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/** "Did you mean ...?" for unknown keys: the closest known key within two edits. */
final class Suggestions {

  static final int MAX_DISTANCE = 2;

  private static final Pattern RATE_LIMIT_FIELD =
      Pattern.compile(Pattern.quote(RATE_LIMIT_PREFIX) + "(\\d+)\\.(.+)");
  private static final Pattern ROUTE_FIELD =
      Pattern.compile(Pattern.quote(ROUTE_PREFIX) + "(\\d+)\\.(.+)");

  /** First segments that only make sense as a Kafka client setting. */
  private static final List<String> KAFKA_CLIENT_NAMESPACES = List.of("security", "sasl", "ssl");

  /** Prefixes by which Streams passes a setting to one of its clients only. */
  private static final List<String> STREAMS_CLIENT_PREFIXES = List.of(
      StreamsConfig.MAIN_CONSUMER_PREFIX,
      StreamsConfig.RESTORE_CONSUMER_PREFIX,
      StreamsConfig.GLOBAL_CONSUMER_PREFIX,
      StreamsConfig.CONSUMER_PREFIX,
      StreamsConfig.PRODUCER_PREFIX,
      StreamsConfig.ADMIN_CLIENT_PREFIX);

  private static final Set<String> KAFKA_SETTINGS = kafkaSettings();

  private Suggestions() {}

  private static Set<String> kafkaSettings() {
    Set<String> names = new TreeSet<>(StreamsConfig.configDef().names());
    names.addAll(ProducerConfig.configNames());
    names.addAll(ConsumerConfig.configNames());
    names.addAll(AdminClientConfig.configNames());
    return names;
  }

  /**
   * For a {@code kafka.client.*} name that Kafka does not know: the Kafka setting it is probably a
   * typo of, or null when nothing is close (a third-party setting, which passes through).
   */
  static String closestKafkaSetting(String clientKey) {
    if (clientKey.startsWith(StreamsConfig.TOPIC_PREFIX)) {
      return null;
    }
    String prefix = STREAMS_CLIENT_PREFIXES.stream()
        .filter(clientKey::startsWith)
        .findFirst()
        .orElse("");
    String name = clientKey.substring(prefix.length());
    if (KAFKA_SETTINGS.contains(name)) {
      return null;
    }
    String closest = closest(name, KAFKA_SETTINGS);
    return closest == null ? null : prefix + closest;
  }

  /** The key the operator probably meant, or null. */
  static String closestKey(String unknown) {
    Matcher rateLimit = RATE_LIMIT_FIELD.matcher(unknown);
    if (rateLimit.matches()) {
      String field = closest(rateLimit.group(2), RATE_LIMIT_FIELDS);
      if (field != null) {
        return RATE_LIMIT_PREFIX + rateLimit.group(1) + "." + field;
      }
    }
    Matcher route = ROUTE_FIELD.matcher(unknown);
    if (route.matches()) {
      String field = closest(route.group(2), ROUTE_FIELDS);
      if (field != null) {
        return ROUTE_PREFIX + route.group(1) + "." + field;
      }
    }
    String fixed =
        closest(unknown, ConfigKeys.all().stream().map(ConfigKeys.Key::name).toList());
    if (fixed != null) {
      return fixed;
    }
    String[] segments = unknown.split("\\.", 3);
    if (segments.length == 3
        && !segments[2].isEmpty()
        && distance(segments[0] + "." + segments[1], "kafka.client") <= MAX_DISTANCE) {
      return CLIENT_PREFIX + segments[2];
    }
    if (ConfigKeys.byName("kafka." + unknown) != null) {
      return "kafka." + unknown;
    }
    String bare = unknown.startsWith("kafka.") ? unknown.substring("kafka.".length()) : unknown;
    if (KAFKA_CLIENT_NAMESPACES.contains(bare.split("\\.", 2)[0])) {
      return CLIENT_PREFIX + bare;
    }
    return null;
  }

  private static String closest(String word, Collection<String> candidates) {
    String best = null;
    int bestDistance = MAX_DISTANCE + 1;
    for (String candidate : candidates) {
      int d = distance(word, candidate);
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best;
  }

  /** Levenshtein distance: insertions, deletions and substitutions. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
