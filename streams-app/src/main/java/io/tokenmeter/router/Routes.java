package io.tokenmeter.router;

import io.tokenmeter.config.RouterSettings;
import io.tokenmeter.schemas.Alert;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which receivers get an alert. Rules are tried in order; an alert matches a rule when it matches
 * every condition the rule gives (severity, alert type, scope labels). The first match wins
 * unless the rule says continue, as in Alertmanager. Without rules, every configured receiver
 * gets every alert.
 */
final class Routes {

  private final List<RouterSettings.Route> rules;
  private final List<String> receivers;

  Routes(List<RouterSettings.Route> rules, List<String> configuredReceivers) {
    this.rules = List.copyOf(rules);
    this.receivers = List.copyOf(configuredReceivers);
  }

  /** Receiver names, each at most once, in the order of the rules that chose them. */
  List<String> select(Alert alert) {
    if (rules.isEmpty()) {
      return receivers;
    }
    Set<String> chosen = new LinkedHashSet<>();
    for (RouterSettings.Route rule : rules) {
      if (matches(rule, alert)) {
        chosen.add(rule.receiver());
        if (!rule.continueMatching()) {
          break;
        }
      }
    }
    return new ArrayList<>(chosen);
  }

  static boolean matches(RouterSettings.Route rule, Alert alert) {
    String severity = alert.getSeverity().toString().toLowerCase(Locale.ROOT);
    if (!rule.severities().isEmpty() && !rule.severities().contains(severity)) {
      return false;
    }
    if (!rule.alertTypes().isEmpty()
        && !rule.alertTypes().contains(alert.getAlertType().toString())) {
      return false;
    }
    Map<String, String> scope = JsonText.strings(alert.getScope());
    for (Map.Entry<String, String> wanted : rule.scope().entrySet()) {
      if (!wanted.getValue().equals(scope.get(wanted.getKey()))) {
        return false;
      }
    }
    return true;
  }
}
