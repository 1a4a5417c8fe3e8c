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
 *     10000: the cardinality guard of the tenant dimensions, per task: at most this many org ids
 *     and this many (org id, project id) tenants; beyond it they fold into {@code __other__}
 * @param futureTolerance {@code rollup.future.tolerance}, default 10 s, at most {@code grace}: how
 *     far an event may lie ahead of the app's wall clock; one further ahead is a {@code future}
 *     dead letter, so that a host with a fast clock cannot close minutes for its neighbours
 * @param maxDistinctValuesPerTenant {@code rollup.max.distinct.values.per.tenant}, default 1000:
 *     the cardinality guard of model, API key fingerprint and service, per tenant and dimension
 * @param distinctValuesExpireAfter {@code rollup.distinct.values.expire.after}, default 24 h: a
 *     tracked value not seen for this long in event time frees its slot
 */
public record RollupSettings(
    Duration grace,
    Duration dedupHorizon,
    Duration closeCheckInterval,
    int maxDistinctValuesPerDimension,
    Duration futureTolerance,
    int maxDistinctValuesPerTenant,
    Duration distinctValuesExpireAfter) {}
