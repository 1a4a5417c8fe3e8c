/**
 * Alert logic: one small state machine per alert type, pure and deterministic.
 *
 * <p>Each detector takes its previous state (null when there is none), an input (an event, a closed
 * window, or the time up to which windows are closed) and an injected {@code now}, and returns a
 * {@link io.tokenmeter.alert.Transition}: the next state to store (null means delete it) and the
 * alerts to emit. Window logic runs on event time only; {@code now} only stamps {@code emitted_at}.
 * A condition that holds yields one FIRING and later one RESOLVED, never one alert per event;
 * escalation to a higher severity is the only re-emit.
 *
 * <p>States are small records with {@code encode()}/{@code decode(byte[])} so they can live in a
 * Kafka Streams key-value store ({@link io.tokenmeter.alert.AlertStateSerdes}).
 */
package io.tokenmeter.alert;
