package io.tokenmeter.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.config.HttpSettings;
import java.net.InetSocketAddress;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The start-up warning for endpoints that other hosts reach without a token. Decided on the bound
 * address (a wildcard is not loopback) without binding one: tests bind 127.0.0.1 only.
 */
class OpenToOthersWarningTest {

  private static final Set<String> APP_PATHS = Set.of("/health", "/api/v1/", "/internal/v1/", "/");

  @Test
  void aWildcardBindWithoutATokenIsWarnedAboutNamingBothKeys() {
    String warning = HttpService.openToOthersWarning(
        new InetSocketAddress("0.0.0.0", 8080), new HttpSettings(true, "0.0.0.0", 8080), APP_PATHS);

    assertThat(warning)
        .contains("http.host=0.0.0.0")
        .contains("http.auth.token")
        .contains("TOKENMETER_HTTP_AUTH_TOKEN")
        .contains("TLS");
  }

  @Test
  void loopbackATokenOrOnlyHealthNeedNoWarning() {
    InetSocketAddress wildcard = new InetSocketAddress("0.0.0.0", 8080);
    assertThat(HttpService.openToOthersWarning(
            new InetSocketAddress("127.0.0.1", 8080),
            new HttpSettings(true, "127.0.0.1", 8080),
            APP_PATHS))
        .isNull();
    assertThat(HttpService.openToOthersWarning(
            new InetSocketAddress("localhost", 8080),
            new HttpSettings(true, "localhost", 8080),
            APP_PATHS))
        .isNull();
    assertThat(HttpService.openToOthersWarning(
            wildcard, new HttpSettings(true, "0.0.0.0", 8080).withAuthToken("s3cret"), APP_PATHS))
        .isNull();
    // tokenmeter router serves /health only: nothing there to protect.
    assertThat(HttpService.openToOthersWarning(
            wildcard, new HttpSettings(true, "0.0.0.0", 8080), Set.of(HealthEndpoint.PATH)))
        .isNull();
  }
}
