package io.tokenmeter.app;

import io.tokenmeter.config.ConnectSettings;
import io.tokenmeter.config.TopicSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the app's topics that do not exist yet, with the partitions, replication factor and
 * retention of {@link TopicSettings}. Existing topics are left as they are. Kafka Streams creates
 * its own internal topics (changelogs, repartition).
 */
public final class TopicCreation {

  private static final Logger LOG = LoggerFactory.getLogger(TopicCreation.class);
  private static final long TIMEOUT_SECONDS = 60;

  private TopicCreation() {}

  /** The topics the app reads or writes, each with its retention. */
  static Map<String, Duration> topics(TopicSettings t) {
    return topics(t, ConnectSettings.disabled());
  }

  /** As {@link #topics(TopicSettings)}, plus the Connect JSON copies when they are enabled. */
  static Map<String, Duration> topics(TopicSettings t, ConnectSettings connect) {
    Map<String, Duration> topics = new LinkedHashMap<>();
    topics.put(t.calls(), t.callsRetention());
    topics.put(t.rollups(), t.outputRetention());
    topics.put(t.alerts(), t.outputRetention());
    topics.put(t.deadLetter(), t.outputRetention());
    if (connect.jsonEnabled()) {
      topics.put(connect.rollupsTopic(), t.outputRetention());
      topics.put(connect.alertsTopic(), t.outputRetention());
    }
    return topics;
  }

  /** Returns the names it created; fails naming the topic and what to change when it may not. */
  public static List<String> createMissing(Admin admin, TopicSettings settings) {
    return createMissing(admin, settings, ConnectSettings.disabled());
  }

  /** As {@link #createMissing(Admin, TopicSettings)}, with the Connect JSON topics when enabled. */
  public static List<String> createMissing(
      Admin admin, TopicSettings settings, ConnectSettings connect) {
    return createMissing(admin, settings, topics(settings, connect));
  }

  /**
   * Creates those of {@code topics} (name to retention) that are missing, with the partitions and
   * replication factor of {@code settings}; for topics outside the app's own four, such as the
   * alert router's dead-letter topic.
   */
  public static List<String> createMissing(
      Admin admin, TopicSettings settings, Map<String, Duration> topics) {
    Set<String> existing;
    try {
      existing = admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof AuthenticationException) {
        // The first request of a start: a wrong password fails here, and retrying cannot fix it.
        throw new IllegalStateException(
            "Kafka refused to authenticate this app: " + e.getCause().getMessage()
                + ". Check kafka.client.sasl.jaas.config and kafka.client.sasl.mechanism (SASL), or the"
                + " kafka.client.ssl.* settings (TLS), against the cluster's listener",
            e.getCause());
      }
      throw new IllegalStateException(
          "cannot list topics to find the missing ones: " + rootMessage(e), e);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "cannot list topics to find the missing ones: " + rootMessage(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while listing topics", e);
    }
    List<String> created = new ArrayList<>();
    for (Map.Entry<String, Duration> topic : topics.entrySet()) {
      String name = topic.getKey();
      if (existing.contains(name)) {
        continue;
      }
      NewTopic newTopic = new NewTopic(name, settings.partitions(), settings.replicationFactor())
          .configs(Map.of(
              TopicConfig.RETENTION_MS_CONFIG, Long.toString(topic.getValue().toMillis())));
      try {
        admin.createTopics(List.of(newTopic)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        created.add(name);
        LOG.info(
            "created topic {} ({} partitions, replication factor {}, retention {})",
            name,
            settings.partitions(),
            settings.replicationFactor(),
            topic.getValue());
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof TopicExistsException) {
          continue;
        }
        if (cause instanceof TopicAuthorizationException
            || cause instanceof ClusterAuthorizationException) {
          throw new IllegalStateException(
              "topic " + name
                  + " does not exist and this app may not create it: grant its principal the"
                  + " CREATE ACL on topic " + name + " (or on the cluster), or create " + name
                  + " beforehand"
                  + " with " + settings.partitions()
                  + " partitions (topics.partitions) and replication factor "
                  + settings.replicationFactor() + " (topics.replication.factor)",
              cause);
        }
        throw new IllegalStateException(
            "cannot create topic " + name + ": " + rootMessage(e)
                + " (check topics.partitions=" + settings.partitions()
                + " and topics.replication.factor="
                + settings.replicationFactor() + " against the cluster)",
            cause);
      } catch (TimeoutException e) {
        throw new IllegalStateException("timed out creating topic " + name, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while creating topic " + name, e);
      }
    }
    return created;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.toString();
  }
}
