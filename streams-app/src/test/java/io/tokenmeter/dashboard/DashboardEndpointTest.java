package io.tokenmeter.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The endpoint on a real JDK server on port 0, as the app registers it. */
class DashboardEndpointTest {

  private HttpServer server;
  private final HttpClient client = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(DashboardEndpoint.PATH, new DashboardEndpoint());
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void rootServesThePageAsHtmlThatRevalidates() throws Exception {
    HttpResponse<String> r = get("/");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-cache");
    assertThat(r.body()).contains("<title>Tokenmeter</title>").contains("/dashboard/dashboard.js");
  }

  @Test
  void assetsHaveTheirContentTypes() throws Exception {
    assertThat(get("/dashboard/dashboard.js").headers().firstValue("Content-Type"))
        .hasValue("text/javascript; charset=utf-8");
    assertThat(get("/dashboard/dashboard.css").headers().firstValue("Content-Type"))
        .hasValue("text/css; charset=utf-8");
    HttpResponse<String> uplot = get("/dashboard/vendor/uplot/uPlot.iife.min.js");
    assertThat(uplot.statusCode()).isEqualTo(200);
    assertThat(uplot.headers().firstValue("Cache-Control")).hasValue("public, max-age=86400");
    assertThat(uplot.body()).contains("uPlot");
  }

  @Test
  void unknownFilesAndPathsAre404() throws Exception {
    assertThat(get("/dashboard/nope.js").statusCode()).isEqualTo(404);
    assertThat(get("/elsewhere").statusCode()).isEqualTo(404);
    // Only known types: the licence and the vendor README are not served.
    assertThat(get("/dashboard/vendor/uplot/LICENSE").statusCode()).isEqualTo(404);
  }

  @Test
  void traversalOutOfTheDashboardFolderIs404() throws Exception {
    // Raw requests: HttpClient would normalise the dots away before they reach the server.
    assertThat(rawStatus("/dashboard/../config/defaults.properties")).isEqualTo(404);
    assertThat(rawStatus("/dashboard/vendor/../../cost/prices.js")).isEqualTo(404);
    assertThat(rawStatus("/dashboard/%2e%2e/dashboard/index.html")).isEqualTo(404);
    assertThat(rawStatus("/dashboard//index.html")).isEqualTo(404);
    assertThat(rawStatus("/dashboard/.hidden.js")).isEqualTo(404);
  }

  @Test
  void onlyGetAndHeadAreAllowed() throws Exception {
    HttpResponse<String> r = client.send(
        HttpRequest.newBuilder(uri("/"))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(r.headers().firstValue("Allow")).hasValue("GET, HEAD");
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  private int rawStatus(String path) throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.getAddress().getPort())) {
      OutputStream out = s.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String status = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
      return Integer.parseInt(status.substring(9, 12));
    }
  }
}
