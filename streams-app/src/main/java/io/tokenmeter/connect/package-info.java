/**
 * Rollups and alerts in Kafka Connect's JSON-with-schema form, for Connect sinks such as
 * Debezium's JDBC sink to PostgreSQL. Written by the topology when {@code connect.json.enabled};
 * see {@code docs/postgres-sink.md}.
 */
package io.tokenmeter.connect;
