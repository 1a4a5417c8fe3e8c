package io.tokenmeter.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ErrorTypesTest {

  @ParameterizedTest(name = "HTTP {0} is {1}")
  @CsvSource({
    "429, rate_limited",
    "401, auth",
    "403, auth",
    "400, invalid_request",
    "409, invalid_request",
    "413, invalid_request",
    "422, invalid_request",
    "404, not_found",
    "408, timeout",
    "402, client",
    "405, client",
    "500, server",
    "502, server",
    "503, server",
    "504, server",
    "529, server",
    "302, other",
    "101, other",
  })
  void statusCodesMapToErrorClasses(int status, String errorType) {
    assertThat(ErrorTypes.forStatus(status)).isEqualTo(errorType);
  }

  @Test
  void successAndNoStatusHaveNoErrorClass() {
    assertThat(ErrorTypes.forStatus(200)).isNull();
    assertThat(ErrorTypes.forStatus(201)).isNull();
    assertThat(ErrorTypes.forStatus(0)).isNull();
    assertThat(ErrorTypes.forStatus(-1)).isNull();
  }

  @Test
  void timeoutsAreTimeoutEvenWhenWrapped() {
    assertThat(ErrorTypes.forThrowable(new HttpTimeoutException("request timed out")))
        .isEqualTo("timeout");
    assertThat(ErrorTypes.forThrowable(new HttpConnectTimeoutException("connect timed out")))
        .isEqualTo("timeout");
    assertThat(ErrorTypes.forThrowable(new SocketTimeoutException())).isEqualTo("timeout");
    assertThat(ErrorTypes.forThrowable(new TimeoutException())).isEqualTo("timeout");
    assertThat(ErrorTypes.forThrowable(new CompletionException(new HttpTimeoutException("x"))))
        .isEqualTo("timeout");
  }

  @Test
  void otherIoFailuresAreNetwork() {
    assertThat(ErrorTypes.forThrowable(new ConnectException("Connection refused")))
        .isEqualTo("network");
    assertThat(ErrorTypes.forThrowable(new UnknownHostException("api.example")))
        .isEqualTo("network");
    assertThat(ErrorTypes.forThrowable(new SSLHandshakeException("bad cert"))).isEqualTo("network");
    assertThat(ErrorTypes.forThrowable(new IOException("connection reset"))).isEqualTo("network");
    assertThat(ErrorTypes.forThrowable(new UncheckedIOException(new IOException("reset"))))
        .isEqualTo("network");
  }

  @Test
  void interruptsCancellationsAndCallerBugsAreClient() {
    assertThat(ErrorTypes.forThrowable(new InterruptedException())).isEqualTo("client");
    assertThat(ErrorTypes.forThrowable(new CancellationException())).isEqualTo("client");
    assertThat(ErrorTypes.forThrowable(new IllegalArgumentException("bad uri")))
        .isEqualTo("client");
  }

  @Test
  void errorsAreOtherAndNullIsNothing() {
    assertThat(ErrorTypes.forThrowable(new StackOverflowError())).isEqualTo("other");
    assertThat(ErrorTypes.forThrowable(null)).isNull();
  }
}
