package io.tokenmeter.rollup;

import static io.tokenmeter.rollup.Calls.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenmeter.schemas.UsageRollup;
import java.time.Instant;
import java.util.Arrays;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class RollupAggregateTest {

  @Test
  void toRollupSetsEveryFieldOfTheSchemaItKnows() {
    // toRollup sets fields one by one on a new record, so a field it misses would keep Java's
    // default (null or 0), not the schema's. A field added to UsageRollup needs a line there.
    assertThat(UsageRollup.getClassSchema().getFields())
        .extracting(org.apache.avro.Schema.Field::name)
        .containsExactly(
            "window_start",
            "window_end",
            "model",
            "org_id",
            "project_id",
            "api_key_fingerprint",
            "api_key_hint",
            "service",
            "requests",
            "errors",
            "errors_by_class",
            "input_tokens",
            "output_tokens",
            "cache_read_input_tokens",
            "cache_creation_input_tokens",
            "reasoning_output_tokens",
            "requests_without_usage",
            "cost_micros",
            "unpriced_requests",
            "price_table_version",
            "latency_p50_ms",
            "latency_p95_ms",
            "latency_p99_ms",
            "latency_sketch",
            "peak_rate_limit_utilization",
            "folded_events");
    UsageRollup built = new RollupAggregate().toRollup(0, 60_000, DIMS);
    assertThat(UsageRollup.newBuilder(built).build()).isEqualTo(built);
  }

  private static final Instant T = Instant.parse("2026-11-27T10:00:00Z");
  private static final Dimensions DIMS =
      new Dimensions("gpt-4o", "org-1", "proj-1", "fp-1", "checkout");

  @Test
  void aFullAggregateSurvivesTheRoundTripThroughItsBytes() {
    RollupAggregate a = new RollupAggregate();
    a.add(
        call(T)
            .setErrorType("rate_limited")
            .setRateLimit(Calls.rateLimit(100, 10, 1000, 900))
            .build(),
        true,
        OptionalLong.of(1234),
        "v1");
    a.add(
        call(T)
            .setInputTokens(null)
            .setDurationMs(null)
            .setCacheReadInputTokens(40L)
            .build(),
        false,
        OptionalLong.empty(),
        "v2");
    a.add(
        call(T)
            .setDurationMs(0L)
            .setReasoningOutputTokens(5L)
            .setCacheCreationInputTokens(6L)
            .build(),
        false,
        OptionalLong.of(1),
        "v2");

    RollupAggregate b = RollupAggregate.decode(a.encode());

    UsageRollup expected = a.toRollup(0, 60_000, DIMS);
    assertThat(b.toRollup(0, 60_000, DIMS)).isEqualTo(expected);
    assertThat(expected.getCostMicros()).isEqualTo(1235);
    assertThat(expected.getUnpricedRequests()).isEqualTo(1);
    assertThat(expected.getPeakRateLimitUtilization()).isEqualTo(0.9);
    assertThat(expected.getFoldedEvents()).isEqualTo(1);
    assertThat(b.encode()).isEqualTo(a.encode());
  }

  @Test
  void anEmptyAggregateKeepsItsNulls() {
    UsageRollup r =
        RollupAggregate.decode(new RollupAggregate().encode()).toRollup(0, 60_000, DIMS);
    assertThat(r.getCostMicros()).isNull();
    assertThat(r.getPeakRateLimitUtilization()).isNull();
    assertThat(r.getLatencySketch()).isNull();
    assertThat(r.getLatencyP50Ms()).isNull();
  }

  @Test
  void aTypicalWindowTakesFarLessThan256Bytes() {
    RollupAggregate a = new RollupAggregate();
    long[] durations = {180, 240, 420, 950, 1310, 2200, 3400, 8800, 12_500, 640};
    for (long d : durations) {
      a.add(
          call(T).setInputTokens(1200L).setOutputTokens(350L).setDurationMs(d).build(),
          false,
          OptionalLong.of(900),
          "2026-11-27");
    }
    assertThat(a.encode().length).isLessThan(256);
  }

  @Test
  void truncatedBytesAreRefusedNotMisread() {
    RollupAggregate a = new RollupAggregate();
    a.add(call(T).build(), false, OptionalLong.of(5), "v1");
    byte[] bytes = a.encode();
    assertThatThrownBy(() -> RollupAggregate.decode(Arrays.copyOf(bytes, bytes.length - 3)))
        .isInstanceOf(RuntimeException.class);
  }
}
