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
 * @param futureTolerance {@code rollup.future.tolerance}, default 10 s, at most {@code grace}: how
 *     far an event may lie ahead of the app's wall clock; one further ahead is a {@code future}
 *     dead letter, so that a host with a fast clock cannot close minutes for its neighbours
 */
public record RollupSettings(
    Duration grace, Duration dedupHorizon, Duration closeCheckInterval, int maxDistinctValuesPerDimension,
    Duration futureTolerance) {}
