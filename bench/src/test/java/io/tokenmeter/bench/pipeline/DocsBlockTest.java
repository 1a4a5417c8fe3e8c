package io.tokenmeter.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DocsBlockTest {

  @Test
  void replacesOnlyTheTextBetweenTheMarkers() {
    String doc = "# B\n\nintro\n" + DocsBlock.BEGIN + "\n_old results_\n" + DocsBlock.END
        + "\n\n## SDK\nkept\n";
    String out = DocsBlock.replace(doc, "| a | b |\n");
    assertThat(out)
        .isEqualTo("# B\n\nintro\n" + DocsBlock.BEGIN + "\n| a | b |\n" + DocsBlock.END
            + "\n\n## SDK\nkept\n");
    assertThat(DocsBlock.replace(out, "| c |"))
        .contains(DocsBlock.BEGIN + "\n| c |\n" + DocsBlock.END);
  }

  @Test
  void refusesADocWithoutOrWithTwoBlocks() {
    assertThatThrownBy(() -> DocsBlock.replace("# nothing here", "x"))
        .isInstanceOf(IllegalArgumentException.class);
    String twice = DocsBlock.BEGIN + DocsBlock.END + DocsBlock.BEGIN + DocsBlock.END;
    assertThatThrownBy(() -> DocsBlock.replace(twice, "x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theRepositoryDocHasExactlyOneBlock() throws Exception {
    String doc = java.nio.file.Files.readString(java.nio.file.Path.of("../docs/benchmarks.md"));
    assertThat(DocsBlock.replace(doc, "x")).contains(DocsBlock.BEGIN + "\nx\n" + DocsBlock.END);
  }
}
