package io.tokenmeter.config;

import java.time.Duration;

/**
 * Topic names and how the app creates the ones that are missing.
 *
 * @param calls {@code topics.calls}, default {@code llm.calls}
 * @param rollups {@code topics.rollups}, default {@code llm.rollups.1m}
 * @param alerts {@code topics.alerts}, default {@code llm.alerts}
 * @param deadLetter {@code topics.calls.dead.letter} (formerly {@code topics.dead.letter}), default {@code llm.calls.dlq}
 * @param partitions {@code topics.partitions}, default 6: for topics the app creates
 * @param replicationFactor {@code topics.replication.factor}, default 1: for topics the app creates
 * @param callsRetention {@code topics.calls.retention}, default 7 days
 * @param outputRetention {@code topics.output.retention}, default 30 days: rollups, alerts and dead letters
 */
public record TopicSettings(
    String calls,
    String rollups,
    String alerts,
    String deadLetter,
    int partitions,
    short replicationFactor,
    Duration callsRetention,
    Duration outputRetention) {}
