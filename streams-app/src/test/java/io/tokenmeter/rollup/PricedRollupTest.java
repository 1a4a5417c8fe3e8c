package io.tokenmeter.rollup;

import static io.tokenmeter.rollup.Calls.call;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.config.PricingSettings;
import io.tokenmeter.cost.TablePricing;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.UsageRollup;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The cost math through the whole topology, with the bundled price table (taken 2026-11-27). */
class PricedRollupTest {

  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
  private static final Duration GRACE = Duration.ofMinutes(2);

  private final RollupDriver driver = new RollupDriver(
      RollupDriver.rollup(GRACE, Duration.ofHours(1), 10_000),
      RollupDriver.DEFAULT_ALERTS,
      TablePricing.from(new PricingSettings(Optional.empty())),
      T0);

  @AfterEach
  void close() {
    driver.close();
  }

  @Test
  void cachedTokensArePricedAtTheCacheRateAndReasoningTokensOnceAsOutput() {
    // gpt-4o: 2.50 input, 1.25 cached input, 10.00 output (USD per 1M tokens).
    // 1,000 input of which 400 cached, 300 output of which 200 reasoning:
    //   600 x 2.50 + 400 x 1.25 + 300 x 10.00 = 1,500 + 500 + 3,000 = 5,000 micro-dollars.
    driver.send(call(T0.plusSeconds(5))
        .setInputTokens(1_000L)
        .setCacheReadInputTokens(400L)
        .setOutputTokens(300L)
        .setReasoningOutputTokens(200L)
        .build());
    // gpt-4o-mini: 0.15 input, 0.075 cached input, 0.60 output.
    // 2,000 input of which 1,000 cached, 500 output of which 100 reasoning:
    //   1,000 x 0.15 + 1,000 x 0.075 + 500 x 0.60 = 150 + 75 + 300 = 525 micro-dollars, twice.
    for (int i = 0; i < 2; i++) {
      driver.send(call(T0.plusSeconds(10 + i))
          .setRequestModel("gpt-4o-mini")
          .setResponseModel("gpt-4o-mini-2024-07-18")
          .setInputTokens(2_000L)
          .setCacheReadInputTokens(1_000L)
          .setOutputTokens(500L)
          .setReasoningOutputTokens(100L)
          .build());
    }
    driver.send(call(T0.plus(GRACE).plusSeconds(61))
        .setOrgId("clock")
        .setProjectId("tick")
        .build());

    Map<String, UsageRollup> byModel = driver.rollups().stream()
        .map(TestRecord::value)
        .collect(Collectors.toMap(UsageRollup::getModel, Function.identity()));
    assertThat(byModel.get("gpt-4o-2024-08-06").getCostMicros()).isEqualTo(5_000L);
    assertThat(byModel.get("gpt-4o-mini-2024-07-18").getCostMicros()).isEqualTo(1_050L);
    assertThat(byModel.get("gpt-4o-mini-2024-07-18").getUnpricedRequests()).isZero();
    assertThat(byModel.get("gpt-4o-mini-2024-07-18").getPriceTableVersion())
        .isEqualTo("2026-11-27");
  }

  @Test
  void anUnknownModelHasNoCostNeverZeroAndRaisesOneUnpricedModelAlert() {
    driver.send(call(T0.plusSeconds(5))
        .setRequestModel("acme-finetune-7")
        .setResponseModel("acme-finetune-7")
        .build());
    driver.send(call(T0.plusSeconds(6))
        .setRequestModel("acme-finetune-7")
        .setResponseModel("acme-finetune-7")
        .build());
    driver.send(call(T0.plus(GRACE).plusSeconds(61))
        .setOrgId("clock")
        .setProjectId("tick")
        .build());

    UsageRollup rollup = driver.rollups().stream()
        .map(TestRecord::value)
        .filter(r -> r.getModel().equals("acme-finetune-7"))
        .findFirst()
        .orElseThrow();
    assertThat(rollup.getCostMicros()).isNull();
    assertThat(rollup.getUnpricedRequests()).isEqualTo(2);

    assertThat(driver.alerts())
        .extracting(TestRecord::value)
        .filteredOn(a -> a.getAlertType().equals("unpriced_model"))
        .singleElement()
        .satisfies(a -> {
          assertThat(a.getState()).isEqualTo(AlertState.FIRING);
          assertThat(a.getScope()).containsEntry("model", "acme-finetune-7");
        });
  }
}
