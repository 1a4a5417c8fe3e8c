package io.tokenmeter.query;

import io.tokenmeter.schemas.UsageRollup;
import java.util.function.Function;

/** A rollup dimension as the query API names it ({@code key} is the API key fingerprint). */
enum Dimension {
  MODEL("model", UsageRollup::getModel),
  ORG("org", UsageRollup::getOrgId),
  PROJECT("project", UsageRollup::getProjectId),
  KEY("key", UsageRollup::getApiKeyFingerprint),
  SERVICE("service", UsageRollup::getService);

  final String parameter;
  private final Function<UsageRollup, CharSequence> accessor;

  Dimension(String parameter, Function<UsageRollup, CharSequence> accessor) {
    this.parameter = parameter;
    this.accessor = accessor;
  }

  String of(UsageRollup r) {
    CharSequence v = accessor.apply(r);
    return v == null ? "" : v.toString();
  }

  static Dimension named(String parameter) {
    for (Dimension d : values()) {
      if (d.parameter.equals(parameter)) {
        return d;
      }
    }
    return null;
  }
}
