/**
 * The alert router: reads alert state changes from {@code llm.alerts} and delivers each one to
 * PagerDuty Events API v2 and/or an Alertmanager-style webhook, at least once and in order per
 * dedup key. {@link io.tokenmeter.router.AlertRouter} is the public entry point; everything else
 * is package-private. See {@code docs/alert-router.md}.
 */
package io.tokenmeter.router;
