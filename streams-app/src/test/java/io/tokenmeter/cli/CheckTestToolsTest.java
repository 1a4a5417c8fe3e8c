package io.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** bin/check-test-tools, which `mvn verify` runs first: a missing tool stops it with the install line. */
class CheckTestToolsTest {

  private static final Path SCRIPT =
      Path.of("..", "bin", "check-test-tools").toAbsolutePath().normalize();

  @Test
  void aMissingToolFailsNamingItAndTheAptGetLine() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(SCRIPT.toString()).redirectErrorStream(true);
    pb.environment().put("CHROMIUM", "/nonexistent/chromium");
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isEqualTo(1);
    assertThat(output)
        .contains("Chromium at /nonexistent/chromium")
        .containsPattern("sudo apt-get install -y .*chromium")
        .contains("bash .ci/run")
        .contains("-DskipITs");
  }

  @Test
  void packagesModeNamesWhatCiRunInstallsAndDoesNotFail() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(SCRIPT.toString(), "--packages");
    pb.environment().put("CHROMIUM", "/nonexistent/chromium");
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    assertThat(output.strip().split(" ")).contains("chromium");
  }
}
