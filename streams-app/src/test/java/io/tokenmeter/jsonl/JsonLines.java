package io.tokenmeter.jsonl;

/** One complete example line per record type, every field given, as docs/cli.md shows them. */
public final class JsonLines {

  public static final String CALL = "{\"event_id\":\"evt-1\",\"timestamp\":1764230400123,"
      + "\"sdk\":{\"name\":\"tokenmeter-java\",\"version\":\"0.1.0\"},"
      + "\"service\":\"checkout\",\"environment\":\"prod\",\"org_id\":\"org-acme\","
      + "\"project_id\":\"proj-web\",\"api_key_fingerprint\":\"9f86d081884c7d659a2feaa0c55ad015\","
      + "\"api_key_hint\":\"sk-...abcd\",\"end_user\":null,\"provider\":\"openai\","
      + "\"operation\":\"chat\",\"request_model\":\"gpt-4o\",\"response_model\":\"gpt-4o-2024-08-06\","
      + "\"input_tokens\":1200,\"output_tokens\":350,\"cache_read_input_tokens\":1024,"
      + "\"cache_creation_input_tokens\":0,\"reasoning_output_tokens\":null,\"duration_ms\":812,"
      + "\"time_to_first_token_ms\":140,\"status_code\":200,\"error_type\":null,\"streaming\":true,"
      + "\"rate_limit\":{\"limit_requests\":10000,\"limit_tokens\":2000000,\"remaining_requests\":9998,"
      + "\"remaining_tokens\":1998450,\"reset_requests_ms\":12,\"reset_tokens_ms\":360000}}";

  public static final String ROLLUP =
      "{\"window_start\":1764230400000,\"window_end\":1764230460000,\"model\":\"gpt-4o-2024-08-06\","
          + "\"org_id\":\"org-acme\",\"project_id\":\"proj-web\","
          + "\"api_key_fingerprint\":\"9f86d081884c7d659a2feaa0c55ad015\",\"api_key_hint\":\"sk-...abcd\","
          + "\"service\":\"checkout\",\"requests\":42,\"errors\":3,"
          + "\"errors_by_class\":{\"rate_limited\":2,\"server\":1},\"input_tokens\":50400,"
          + "\"output_tokens\":14700,\"cache_read_input_tokens\":43008,\"cache_creation_input_tokens\":0,"
          + "\"reasoning_output_tokens\":0,\"requests_without_usage\":1,\"cost_micros\":191520,"
          + "\"unpriced_requests\":0,\"price_table_version\":\"2025-11-01\",\"latency_p50_ms\":640.5,"
          + "\"latency_p95_ms\":1210.0,\"latency_p99_ms\":1900.25,\"latency_sketch\":\"AQIDBP8=\","
          + "\"peak_rate_limit_utilization\":0.83,\"folded_events\":0}";

  public static final String ALERT =
      "{\"dedup_key\":\"rate_limit_requests/org-acme/proj-web/gpt-4o\",\"state\":\"FIRING\","
          + "\"alert_type\":\"rate_limit_requests\",\"severity\":\"warning\","
          + "\"scope\":{\"org_id\":\"org-acme\",\"project_id\":\"proj-web\",\"model\":\"gpt-4o\"},"
          + "\"observed_value\":0.83,\"threshold\":0.8,\"window_start\":1764230400000,"
          + "\"window_end\":1764230460000,\"summary\":\"org-acme/proj-web at 83% of the gpt-4o request limit\","
          + "\"emitted_at\":1764230431000,\"details\":{\"limit_requests\":\"10000\"}}";

  private JsonLines() {}
}
