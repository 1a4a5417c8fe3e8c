package io.tokenmeter.alert;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.alert.ErrorRateState.ClassState;
import io.tokenmeter.alert.RateLimitState.Gauge;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class AlertStateSerdesTest {

  private static <T> T roundTrip(Serde<T> serde, T value) {
    return serde
        .deserializer()
        .deserialize("store-changelog", serde.serializer().serialize("store-changelog", value));
  }

  @Test
  void everyStateRoundTripsThroughItsSerde() {
    RateLimitState rateLimit = new RateLimitState(
        new RateLimitScope("org-1", "", "gpt-4o"),
        29_000_000L,
        new Gauge(12, 0.97, 500, Severity.CRITICAL, 1),
        new Gauge(0, 0, 0, null, 0));
    ErrorRateState errorRate = new ErrorRateState(
        ErrorRateScope.forOrg("o3", "org-1"),
        1_764_237_600_000L,
        Map.of(
            ErrorClass.SERVER, new ClassState(0.012, Severity.ERROR, 1),
            ErrorClass.RATE_LIMITED, new ClassState(Double.NaN, null, 0)));
    UnauthorizedKeyState key = new UnauthorizedKeyState("fp", "sk-...abcd", 10, 9, Long.MIN_VALUE);
    UnpricedModelState unpriced = new UnpricedModelState("gpt-5-preview", 10, 11, 3);

    assertThat(roundTrip(AlertStateSerdes.rateLimit(), rateLimit)).isEqualTo(rateLimit);
    assertThat(roundTrip(AlertStateSerdes.errorRate(), errorRate)).isEqualTo(errorRate);
    assertThat(roundTrip(AlertStateSerdes.unauthorizedKey(), key)).isEqualTo(key);
    assertThat(roundTrip(AlertStateSerdes.unpricedModel(), unpriced)).isEqualTo(unpriced);
    assertThat(roundTrip(AlertStateSerdes.unpricedModel(), null)).isNull();
  }

  @Test
  void statesAreCompact() {
    ErrorRateState errorRate = new ErrorRateState(
        ErrorRateScope.forService("gpt-4o", "checkout"),
        0,
        Map.of(
            ErrorClass.SERVER,
            new ClassState(0.01, null, 0),
            ErrorClass.TIMEOUT,
            new ClassState(0.02, null, 0)));

    assertThat(errorRate.encode().length).isLessThan(80);
    assertThat(new UnauthorizedKeyState("0123456789abcdef0123456789abcdef", "sk-...abcd", 1, 1, 1)
            .encode()
            .length)
        .isLessThan(80);
  }
}
