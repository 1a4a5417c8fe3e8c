-- Tokenmeter in PostgreSQL: the tables Debezium's JDBC sink writes.
--
-- This file is the source of truth for the tables: the connectors run with
-- schema.evolution=none, so they never create or alter a table, and SinkToPostgresIT applies
-- this very file. Column names are the field names of the Connect JSON the app writes
-- (io.tokenmeter.connect.RollupConnectJson and AlertConnectJson), which are those of the Avro
-- schemas UsageRollup and Alert.
--
--   psql "postgresql://tokenmeter@db.example.com/tokenmeter" -v ON_ERROR_STOP=1 -f sql/schema.sql
--
-- Safe to run again: every statement is IF NOT EXISTS.
--
-- Times are `timestamp` (without time zone) holding UTC. The sink binds each Connect timestamp
-- as a UTC wall-clock time; into `timestamptz` PostgreSQL would read that in the session time
-- zone, which the JDBC driver sets from the Connect worker's JVM, so a worker outside UTC would
-- shift every row (SinkToPostgresIT runs its worker in America/New_York to prove that this
-- does not happen). Compare with `now() AT TIME ZONE 'UTC'`, and use
-- `window_start AT TIME ZONE 'UTC'` where a `timestamptz` is wanted.

-- One row per closed one-minute window and dimension set. The primary key is the rollup's
-- natural key, and the sink upserts on it (insert.mode=upsert), so a replayed or duplicated
-- rollup rewrites the same row with the same values.
CREATE TABLE IF NOT EXISTS llm_rollups_1m (
    window_start                 timestamp        NOT NULL,
    window_end                   timestamp        NOT NULL,  -- exclusive
    model                        text             NOT NULL,  -- response model, else request model; __other__ when folded
    org_id                       text             NOT NULL,  -- '' when the calls had none
    project_id                   text             NOT NULL,
    api_key_fingerprint          text             NOT NULL,
    service                      text             NOT NULL,
    api_key_hint                 text,                       -- sk-...abcd, the last one seen in the window
    requests                     bigint           NOT NULL,
    errors                       bigint           NOT NULL,
    errors_by_class              jsonb            NOT NULL,  -- {"rate_limited": 2, "server": 1}
    input_tokens                 bigint           NOT NULL,  -- includes cache reads
    output_tokens                bigint           NOT NULL,  -- includes reasoning
    cache_read_input_tokens      bigint           NOT NULL,
    cache_creation_input_tokens  bigint           NOT NULL,
    reasoning_output_tokens      bigint           NOT NULL,
    requests_without_usage       bigint           NOT NULL,  -- their tokens are unknown, not zero
    cost_micros                  bigint,                     -- USD micro-dollars; NULL when nothing in the window was priced
    unpriced_requests            bigint           NOT NULL,
    price_table_version          text,
    latency_p50_ms               double precision,
    latency_p95_ms               double precision,
    latency_p99_ms               double precision,
    peak_rate_limit_utilization  double precision,           -- 0..1, NULL when no call carried rate-limit headers
    folded_events                bigint           NOT NULL,
    PRIMARY KEY (window_start, model, org_id, project_id, api_key_fingerprint, service)
);

-- The primary key already serves "everything in a time range"; these serve the usual filters
-- followed by a time range: one org's spend, one key's usage, one model's errors.
CREATE INDEX IF NOT EXISTS llm_rollups_1m_org_time   ON llm_rollups_1m (org_id, window_start);
CREATE INDEX IF NOT EXISTS llm_rollups_1m_key_time   ON llm_rollups_1m (api_key_fingerprint, window_start);
CREATE INDEX IF NOT EXISTS llm_rollups_1m_model_time ON llm_rollups_1m (model, window_start);

-- Audit trail of alerts: one row per state change (FIRING, RESOLVED). The key of a change is
-- its dedup key, its state and when the app emitted it; upserting on it makes a replayed change
-- one row, while a condition that fires again later is a new row.
CREATE TABLE IF NOT EXISTS llm_alerts (
    dedup_key       text             NOT NULL,
    state           text             NOT NULL CHECK (state IN ('FIRING', 'RESOLVED')),
    emitted_at      timestamp        NOT NULL,
    alert_type      text             NOT NULL,  -- rate_limit_requests, error_rate, unauthorized_key, unpriced_model, dimension_folding, ...
    severity        text             NOT NULL,  -- critical, error, warning, info
    scope           jsonb            NOT NULL,  -- {"org_id": "org-1", "model": "gpt-4o"}
    observed_value  double precision,
    threshold       double precision,
    window_start    timestamp,
    window_end      timestamp,
    summary         text             NOT NULL,
    details         jsonb            NOT NULL,
    PRIMARY KEY (dedup_key, state, emitted_at)
);

CREATE INDEX IF NOT EXISTS llm_alerts_time       ON llm_alerts (emitted_at);
CREATE INDEX IF NOT EXISTS llm_alerts_type_time  ON llm_alerts (alert_type, emitted_at);
-- scope @> '{"org_id": "org-1"}': every alert about an org, whatever else is in its scope.
CREATE INDEX IF NOT EXISTS llm_alerts_scope      ON llm_alerts USING gin (scope jsonb_path_ops);
