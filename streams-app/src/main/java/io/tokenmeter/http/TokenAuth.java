package io.tokenmeter.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Lets a request through to {@code next} only when it carries the configured {@code
 * http.auth.token}: as {@code Authorization: Bearer <token>} (API clients, the other instances) or
 * as the password of HTTP Basic with any user name (a browser opening the dashboard, after the
 * prompt that the 401's {@code WWW-Authenticate: Basic} brings up; the page's own requests then
 * carry the same credentials).
 *
 * <p>The comparison takes the same time whatever was sent: both sides are hashed first, so neither
 * the content nor the length of the token leaks through timing. A refusal never repeats what the
 * client sent, which may be a real secret pasted in the wrong place.
 */
final class TokenAuth implements HttpHandler {

  static final String CHALLENGE = "Basic realm=\"tokenmeter\", charset=\"UTF-8\"";
  private static final byte[] REFUSAL =
      ("{\"error\":\"authentication required: send Authorization: Bearer <http.auth.token>,"
              + " or HTTP Basic with the token as password\"}")
          .getBytes(StandardCharsets.UTF_8);

  private final byte[] tokenDigest;
  private final HttpHandler next;

  TokenAuth(String token, HttpHandler next) {
    this.tokenDigest = sha256(token.getBytes(StandardCharsets.UTF_8));
    this.next = next;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    if (accepts(exchange.getRequestHeaders().get("Authorization"))) {
      next.handle(exchange);
      return;
    }
    try (exchange) {
      exchange.getResponseHeaders().set("WWW-Authenticate", CHALLENGE);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      boolean head = exchange.getRequestMethod().equals("HEAD");
      exchange.sendResponseHeaders(401, head ? -1 : REFUSAL.length);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(REFUSAL);
        }
      }
    }
  }

  /** True when exactly one Authorization header carries the token, as Bearer or Basic password. */
  boolean accepts(List<String> authorization) {
    if (authorization == null || authorization.size() != 1) {
      return false;
    }
    String value = authorization.get(0).trim();
    int space = value.indexOf(' ');
    if (space < 0) {
      return false;
    }
    String scheme = value.substring(0, space).toLowerCase(Locale.ROOT);
    String credentials = value.substring(space + 1).trim();
    byte[] presented;
    if (scheme.equals("bearer")) {
      presented = credentials.getBytes(StandardCharsets.UTF_8);
    } else if (scheme.equals("basic")) {
      byte[] decoded;
      try {
        decoded = Base64.getDecoder().decode(credentials);
      } catch (IllegalArgumentException notBase64) {
        return false;
      }
      int colon = indexOf(decoded, (byte) ':');
      if (colon < 0) {
        return false;
      }
      presented = java.util.Arrays.copyOfRange(decoded, colon + 1, decoded.length);
    } else {
      return false;
    }
    return MessageDigest.isEqual(tokenDigest, sha256(presented));
  }

  private static int indexOf(byte[] bytes, byte b) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
