package io.tokenmeter.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.config.HttpSettings;
import java.net.InetAddress;
import java.util.Optional;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;

/** What an instance tells the others (application.server) about where its query endpoints are. */
class AdvertisedAddressTest {

  @Test
  void theBoundPortIsAdvertisedNotTheConfiguredZero() {
    assertThat(TokenmeterApp.advertised(new HttpSettings(true, "127.0.0.1", 0), 41234))
        .isEqualTo(new HostInfo("127.0.0.1", 41234));
  }

  @Test
  void aWildcardHostIsReplacedByTheMachinesHostName() throws Exception {
    assertThat(TokenmeterApp.advertised(new HttpSettings(true, "0.0.0.0", 8080), 8080))
        .isEqualTo(new HostInfo(InetAddress.getLocalHost().getHostName(), 8080));
  }

  @Test
  void theAdvertisedUrlWinsWithItsOwnPortOrTheSchemesDefault() {
    assertThat(TokenmeterApp.advertised(
            new HttpSettings(true, "0.0.0.0", 8080, Optional.of("http://app-2.tokenmeter:9090")),
            8080))
        .isEqualTo(new HostInfo("app-2.tokenmeter", 9090));
    assertThat(TokenmeterApp.advertised(
            new HttpSettings(true, "0.0.0.0", 8080, Optional.of("http://app-2.tokenmeter")), 8080))
        .isEqualTo(new HostInfo("app-2.tokenmeter", 80));
  }
}
