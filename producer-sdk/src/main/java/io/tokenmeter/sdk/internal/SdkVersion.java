package io.tokenmeter.sdk.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The SDK's own name and version, as written into every event's {@code sdk} field. */
public final class SdkVersion {

  public static final String NAME = "tokenmeter-java";
  public static final String VERSION = readVersion();

  private SdkVersion() {}

  private static String readVersion() {
    // Written by Maven resource filtering; "unknown" only when run from an unfiltered source tree.
    try (InputStream in = SdkVersion.class.getResourceAsStream("sdk.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "").trim();
      return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
    } catch (IOException e) {
      return "unknown";
    }
  }
}
