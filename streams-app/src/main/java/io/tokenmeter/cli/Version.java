package io.tokenmeter.cli;

import picocli.CommandLine.IVersionProvider;

/** Reports the jar's implementation version, or "dev" when run from classes. */
final class Version implements IVersionProvider {

  @Override
  public String[] getVersion() {
    String v = Version.class.getPackage().getImplementationVersion();
    return new String[] {
      "tokenmeter " + (v == null ? "dev" : v) + " (Kafka 4.4.0, Java " + Runtime.version() + ")"
    };
  }
}
