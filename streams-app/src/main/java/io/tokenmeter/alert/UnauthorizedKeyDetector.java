package io.tokenmeter.alert;

import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.LlmCallEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keys that should not be calling, per {@code api_key_fingerprint}. Two alerts with their own dedup
 * keys:
 *
 * <ul>
 *   <li>{@code unauthorized_key} (critical): the provider answered 401/403 ({@code error_type
 *       auth}). Fires on the first auth error; resolves after {@code calmWindowsToResolve} closed
 *       minutes without one.
 *   <li>{@code key_not_allowed} (error): {@code alerts.key.allow.list} is not empty and the key is
 *       not on it. Fires on the first call; resolves after {@code calmWindowsToResolve} closed
 *       minutes without a call.
 * </ul>
 *
 * <p>Alerts carry the fingerprint and the hint ({@code sk-...abcd}); events never hold the key.
 * Events without a fingerprint are skipped. Minutes close on a later event of the same key or on
 * {@link #onTime}.
 *
 * <p>Store: one {@link UnauthorizedKeyState} per fingerprint, only while an alert is open.
 */
public final class UnauthorizedKeyDetector {

  public static final String UNAUTHORIZED = "unauthorized_key";
  public static final String NOT_ALLOWED = "key_not_allowed";

  private final Set<String> allowList;
  private final int calmToResolve;

  public UnauthorizedKeyDetector(AlertSettings settings) {
    this.allowList =
        settings.keyAllowList() == null ? Set.of() : Set.copyOf(settings.keyAllowList());
    this.calmToResolve = Math.max(1, settings.calmWindowsToResolve());
  }

  /**
   * Looks at one call.
   *
   * @param state the stored state for the event's {@code api_key_fingerprint}, or null
   */
  public Transition<UnauthorizedKeyState> onEvent(
      UnauthorizedKeyState state, LlmCallEvent event, Instant now) {
    String fingerprint = event.getApiKeyFingerprint();
    if (fingerprint == null || fingerprint.isEmpty()) {
      return new Transition<>(state, List.of());
    }
    long minute = Minutes.of(event.getTimestamp());
    List<Alert> out = new ArrayList<>();
    UnauthorizedKeyState s = state != null
        ? state
        : new UnauthorizedKeyState(fingerprint, null, Minutes.NONE, Minutes.NONE, Minutes.NONE);
    s = close(s, minute - 1, now, out);
    String hint = event.getApiKeyHint() != null ? event.getApiKeyHint() : s.hint();
    long lastAuth = s.lastAuthErrorMinute();
    long lastUse = s.lastUnlistedUseMinute();

    if (isAuthError(event)) {
      if (lastAuth == Minutes.NONE) {
        out.add(unauthorizedFiring(fingerprint, hint, event, minute, now));
      }
      lastAuth = Math.max(lastAuth, minute);
    }
    if (!allowList.isEmpty() && !allowList.contains(fingerprint)) {
      if (lastUse == Minutes.NONE) {
        out.add(notAllowedFiring(fingerprint, hint, event, minute, now));
      }
      lastUse = Math.max(lastUse, minute);
    }
    return new Transition<>(
        keep(new UnauthorizedKeyState(fingerprint, hint, s.closedThrough(), lastAuth, lastUse)),
        out);
  }

  /**
   * Closes the minutes that end at or before {@code closedUpTo}, resolving alerts whose key has
   * been quiet long enough. Call it for every stored fingerprint, for example from a stream-time
   * punctuator.
   */
  public Transition<UnauthorizedKeyState> onTime(
      UnauthorizedKeyState state, Instant closedUpTo, Instant now) {
    if (state == null) {
      return new Transition<>(null, List.of());
    }
    List<Alert> out = new ArrayList<>();
    UnauthorizedKeyState s = close(state, Minutes.lastClosedBy(closedUpTo), now, out);
    return new Transition<>(keep(s), out);
  }

  static boolean isAuthError(LlmCallEvent event) {
    Integer status = event.getStatusCode();
    return "auth".equals(event.getErrorType())
        || (status != null && (status == 401 || status == 403));
  }

  private UnauthorizedKeyState close(
      UnauthorizedKeyState s, long closedThrough, Instant now, List<Alert> out) {
    long through = Math.max(s.closedThrough(), closedThrough);
    long lastAuth = s.lastAuthErrorMinute();
    long lastUse = s.lastUnlistedUseMinute();
    if (lastAuth != Minutes.NONE && through >= lastAuth + calmToResolve) {
      out.add(resolved(
          UNAUTHORIZED, Severity.CRITICAL, s, lastAuth, "no auth errors for " + minutes(), now));
      lastAuth = Minutes.NONE;
    }
    if (lastUse != Minutes.NONE && through >= lastUse + calmToResolve) {
      out.add(resolved(
          NOT_ALLOWED,
          Severity.ERROR,
          s,
          lastUse,
          "not on the allow-list, unused for " + minutes(),
          now));
      lastUse = Minutes.NONE;
    }
    return new UnauthorizedKeyState(s.fingerprint(), s.hint(), through, lastAuth, lastUse);
  }

  private static UnauthorizedKeyState keep(UnauthorizedKeyState s) {
    return s.authFiring() || s.unlistedFiring() ? s : null;
  }

  private Alert unauthorizedFiring(
      String fingerprint, String hint, LlmCallEvent event, long minute, Instant now) {
    String status =
        event.getStatusCode() == null ? "an auth error" : Integer.toString(event.getStatusCode());
    String summary = keyLabel(fingerprint, hint)
        + " rejected with "
        + status
        + " calling "
        + event.getRequestModel()
        + " from service "
        + event.getService()
        + orgSuffix(event)
        + ": revoked, rotated or wrong project?";
    return firing(UNAUTHORIZED, Severity.CRITICAL, fingerprint, hint, event, minute, summary, now);
  }

  private Alert notAllowedFiring(
      String fingerprint, String hint, LlmCallEvent event, long minute, Instant now) {
    String summary = keyLabel(fingerprint, hint)
        + " is not on the allow-list but called "
        + event.getRequestModel()
        + " from service "
        + event.getService()
        + orgSuffix(event);
    return firing(NOT_ALLOWED, Severity.ERROR, fingerprint, hint, event, minute, summary, now);
  }

  private Alert firing(
      String type,
      Severity severity,
      String fingerprint,
      String hint,
      LlmCallEvent event,
      long minute,
      String summary,
      Instant now) {
    Alert alert = Alerts.builder(
            dedupKey(type, fingerprint),
            AlertState.FIRING,
            type,
            severity,
            Map.of("api_key_fingerprint", fingerprint),
            Minutes.start(minute),
            Minutes.end(minute),
            now)
        .setObservedValue(1.0)
        .setThreshold(1.0)
        .setSummary(summary)
        .build();
    Map<String, String> details = alert.getDetails();
    if (hint != null) {
      details.put("api_key_hint", hint);
    }
    details.put("service", event.getService());
    details.put("model", event.getRequestModel());
    if (event.getOrgId() != null) {
      details.put("org_id", event.getOrgId());
    }
    if (event.getProjectId() != null) {
      details.put("project_id", event.getProjectId());
    }
    if (event.getStatusCode() != null) {
      details.put("status_code", Integer.toString(event.getStatusCode()));
    }
    return alert;
  }

  private Alert resolved(
      String type,
      Severity severity,
      UnauthorizedKeyState s,
      long lastMinute,
      String what,
      Instant now) {
    Alert alert = Alerts.builder(
            dedupKey(type, s.fingerprint()),
            AlertState.RESOLVED,
            type,
            severity,
            Map.of("api_key_fingerprint", s.fingerprint()),
            Minutes.start(lastMinute + 1),
            Minutes.end(lastMinute + calmToResolve),
            now)
        .setObservedValue(0.0)
        .setThreshold(1.0)
        .setSummary(keyLabel(s.fingerprint(), s.hint()) + ": " + what)
        .build();
    if (s.hint() != null) {
      alert.getDetails().put("api_key_hint", s.hint());
    }
    return alert;
  }

  private String minutes() {
    return calmToResolve + (calmToResolve == 1 ? " minute" : " minutes");
  }

  private static String keyLabel(String fingerprint, String hint) {
    return "Key " + (hint == null ? "" : hint + " ") + "(fingerprint " + fingerprint + ")";
  }

  private static String orgSuffix(LlmCallEvent event) {
    if (event.getOrgId() == null) {
      return "";
    }
    return ", org "
        + event.getOrgId()
        + (event.getProjectId() == null ? "" : "/" + event.getProjectId());
  }

  /** {@code unauthorized_key:<fingerprint>} or {@code key_not_allowed:<fingerprint>}. */
  public static String dedupKey(String alertType, String fingerprint) {
    return DedupKeys.of(alertType, fingerprint);
  }
}
