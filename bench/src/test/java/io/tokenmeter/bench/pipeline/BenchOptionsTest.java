package io.tokenmeter.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {

  @Test
  void defaultsAndRepeatableSet() {
    BenchOptions o = BenchOptions.parse(
        "--set", "kafka.commit.interval=500ms", "--set", "kafka.num.stream.threads=2");
    assertThat(o.events()).isEqualTo(5_000_000);
    assertThat(o.repeats()).isEqualTo(3);
    assertThat(o.contenders()).containsExactlyElementsOf(BenchOptions.ALL);
    assertThat(o.sets())
        .isEqualTo(Map.of("kafka.commit.interval", "500ms", "kafka.num.stream.threads", "2"));
    assertThat(o.instances()).isEqualTo(1);
    assertThat(BenchOptions.parse("--instances", "2").instances()).isEqualTo(2);
  }

  @Test
  void aBadOptionIsNamed() {
    assertThatThrownBy(() -> BenchOptions.parse("--event", "5")).hasMessageContaining("'--event'");
    assertThatThrownBy(() -> BenchOptions.parse("--events", "lots"))
        .hasMessageContaining("--events");
    assertThatThrownBy(() -> BenchOptions.parse("--contenders", "spark"))
        .hasMessageContaining("spark");
    assertThatThrownBy(() -> BenchOptions.parse("--set", "novalue")).hasMessageContaining("--set");
    assertThatThrownBy(() -> BenchOptions.parse("--instances", "0"))
        .hasMessageContaining("--instances");
  }

  @Test
  void aBadSetKeyFailsBeforeAnythingStarts() throws Exception {
    assertThat(PipelineBench.run("--set", "rollup.graec=5s")).isEqualTo(2);
    assertThat(PipelineBench.run("--events", "0")).isEqualTo(2);
  }
}
