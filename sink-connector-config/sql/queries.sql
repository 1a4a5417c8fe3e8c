-- Example queries over the tables of schema.sql. Each starts with a "-- name:" line;
-- SinkToPostgresIT runs them by that name against the rows it wrote, so they stay correct.
-- Times are UTC `timestamp`s (see schema.sql), so "now" is now() AT TIME ZONE 'UTC'.
-- Cost is in micro-dollars in the table; divide by 1e6 for dollars.

-- name: cost_by_org_per_day
-- Spend per org and UTC day over the last 30 days. unpriced_requests > 0 means the cost is
-- understated: those calls used a model the price table does not know.
SELECT org_id,
       date_trunc('day', window_start)::date AS day,
       sum(requests)                                             AS requests,
       sum(cost_micros)                                          AS cost_micros,
       round(sum(cost_micros) / 1e6, 6)                          AS cost_usd,
       sum(unpriced_requests)                                    AS unpriced_requests
FROM llm_rollups_1m
WHERE window_start >= (now() AT TIME ZONE 'UTC') - interval '30 days'
GROUP BY org_id, day
ORDER BY day, org_id;

-- name: top_keys_by_tokens_last_hour
-- The ten API keys (by fingerprint) that used the most tokens in the last hour.
SELECT api_key_fingerprint,
       max(api_key_hint)                  AS api_key_hint,
       sum(input_tokens + output_tokens)  AS tokens,
       sum(input_tokens)                  AS input_tokens,
       sum(output_tokens)                 AS output_tokens,
       sum(requests)                      AS requests
FROM llm_rollups_1m
WHERE window_start >= (now() AT TIME ZONE 'UTC') - interval '1 hour'
GROUP BY api_key_fingerprint
ORDER BY tokens DESC, api_key_fingerprint
LIMIT 10;

-- name: error_rate_by_model_last_hour
-- Error rate per model over the last hour, with the errors split by class (429s are not outages).
SELECT r.model,
       sum(r.requests)                                                     AS requests,
       sum(r.errors)                                                       AS errors,
       round(sum(r.errors)::numeric / nullif(sum(r.requests), 0), 4)       AS error_rate,
       (SELECT coalesce(jsonb_object_agg(c.key, c.n), '{}'::jsonb)
          FROM (SELECT e.key, sum(e.value::bigint) AS n
                  FROM llm_rollups_1m r2, jsonb_each_text(r2.errors_by_class) e
                 WHERE r2.model = r.model AND r2.window_start >= (now() AT TIME ZONE 'UTC') - interval '1 hour'
                 GROUP BY e.key) c)                                        AS errors_by_class
FROM llm_rollups_1m r
WHERE r.window_start >= (now() AT TIME ZONE 'UTC') - interval '1 hour'
GROUP BY r.model
ORDER BY error_rate DESC NULLS LAST, r.model;

-- name: cost_by_model_per_hour
-- Spend per model and hour over the last day.
SELECT model,
       date_trunc('hour', window_start) AS hour,
       sum(cost_micros)                                    AS cost_micros,
       sum(requests)                                       AS requests
FROM llm_rollups_1m
WHERE window_start >= (now() AT TIME ZONE 'UTC') - interval '1 day'
GROUP BY model, hour
ORDER BY hour, model;

-- name: open_alerts
-- Alerts whose latest state change is FIRING.
SELECT dedup_key, alert_type, severity, scope, summary, emitted_at AS firing_since
FROM (SELECT DISTINCT ON (dedup_key) *
        FROM llm_alerts
       ORDER BY dedup_key, emitted_at DESC) latest
WHERE state = 'FIRING'
ORDER BY emitted_at;
