package io.tokenmeter.alert;

import java.util.function.Function;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** Kafka serdes for the detector states, for the key-value stores that hold them. */
public final class AlertStateSerdes {

  private AlertStateSerdes() {}

  public static Serde<RateLimitState> rateLimit() {
    return of(RateLimitState::encode, RateLimitState::decode);
  }

  public static Serde<ErrorRateState> errorRate() {
    return of(ErrorRateState::encode, ErrorRateState::decode);
  }

  public static Serde<UnauthorizedKeyState> unauthorizedKey() {
    return of(UnauthorizedKeyState::encode, UnauthorizedKeyState::decode);
  }

  public static Serde<UnpricedModelState> unpricedModel() {
    return of(UnpricedModelState::encode, UnpricedModelState::decode);
  }

  public static Serde<DimensionFoldingState> dimensionFolding() {
    return of(DimensionFoldingState::encode, DimensionFoldingState::decode);
  }

  private static <T> Serde<T> of(Function<T, byte[]> encode, Function<byte[], T> decode) {
    return Serdes.serdeFrom(
        (topic, value) -> value == null ? null : encode.apply(value),
        (topic, data) -> data == null ? null : decode.apply(data));
  }
}
