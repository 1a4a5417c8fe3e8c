package io.tokenmeter.config;

import java.time.Duration;

/**
 * Per-minute windows.
 *
 * @param grace {@code rollup.grace}, default 2 min: how late an event may be and still count
 * @param dedupHorizon {@code rollup.dedup.horizon}, default 1 h: how long an event id is remembered
 * @param closeCheckInterval {@code rollup.close.check.interval}, default 1 s: wall-clock period at
 *     which closed windows are emitted, so that windows close when traffic stops
 * @param maxDistinctValuesPerDimension {@code rollup.max.distinct.values.per.dimension}, default
 *     10000: the cardinality guard; values beyond it fold into {@code __other__}
 */
public record RollupSettings(
    Duration grace, Duration dedupHorizon, Duration closeCheckInterval, int maxDistinctValuesPerDimension) {}
