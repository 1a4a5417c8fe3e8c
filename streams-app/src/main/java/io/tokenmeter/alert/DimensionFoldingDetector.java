package io.tokenmeter.alert;

import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.UsageRollup;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A tenant whose values fold into {@code __other__} ({@code dimension_folding}, warning): its
 * per-key cost and unauthorized-key detection are blind to the folded values. Fed the final
 * rollups with {@code folded_events > 0}, whose org and project are the tenant the guard charged.
 * Fires once per tenant when the first minute in which it folded closes, with that minute's folded
 * events as the observed value; resolves after {@code calmWindowsToResolve} closed minutes without
 * folding.
 *
 * <p>Store: one {@link DimensionFoldingState} per tenant, while a minute is pending or the alert
 * is open.
 */
public final class DimensionFoldingDetector {

  public static final String ALERT_TYPE = "dimension_folding";

  /** The rollup dimensions that can fold, in the order of the state's bits. */
  static final List<String> DIMENSIONS =
      List.of("org_id", "project_id", "model", "api_key_fingerprint", "service");

  private static final String OTHER = "__other__";

  private final int calmToResolve;

  public DimensionFoldingDetector(AlertSettings settings) {
    this.calmToResolve = Math.max(1, settings.calmWindowsToResolve());
  }

  /**
   * One final rollup of the tenant. Any number per tenant and minute; the minute counts as closed
   * once a later minute's rollup or {@link #onTime} shows it is.
   *
   * @param state the stored state for the rollup's tenant, or null
   */
  public Transition<DimensionFoldingState> onRollup(
      DimensionFoldingState state, UsageRollup rollup, Instant now) {
    long minute = Minutes.of(rollup.getWindowStart());
    long folded = rollup.getFoldedEvents();
    List<Alert> out = new ArrayList<>();
    DimensionFoldingState s = state != null
        ? close(state, minute - 1, now, out)
        : new DimensionFoldingState(
            rollup.getOrgId(),
            rollup.getProjectId(),
            Minutes.NONE,
            0,
            0,
            false,
            Minutes.NONE,
            minute - 1,
            0);
    if (folded > 0) {
      int dimensions = foldedDimensions(rollup);
      if (minute <= s.closedThrough()) {
        // A rollup of a minute already closed (the wall clock closed it first): count it at once.
        s = closedMinuteFolded(s, minute, folded, dimensions, now, out);
      } else if (s.pendingMinute() == minute) {
        s = withPending(s, minute, s.pendingFolded() + folded, s.pendingDimensions() | dimensions);
      } else {
        s = withPending(s, minute, folded, dimensions);
      }
    }
    return new Transition<>(keep(s), out);
  }

  /**
   * Closes the minutes that end at or before {@code closedUpTo}: fires for a pending minute with
   * folded events, resolves tenants calm long enough. Call it for every stored tenant, for example
   * from a stream-time punctuator.
   */
  public Transition<DimensionFoldingState> onTime(
      DimensionFoldingState state, Instant closedUpTo, Instant now) {
    if (state == null) {
      return new Transition<>(null, List.of());
    }
    List<Alert> out = new ArrayList<>();
    return new Transition<>(keep(close(state, Minutes.lastClosedBy(closedUpTo), now, out)), out);
  }

  private DimensionFoldingState close(
      DimensionFoldingState s, long closedThrough, Instant now, List<Alert> out) {
    if (closedThrough <= s.closedThrough()) {
      return s;
    }
    if (s.pendingMinute() != Minutes.NONE && s.pendingMinute() <= closedThrough) {
      s = closedMinuteFolded(
          withPending(s, Minutes.NONE, 0, 0),
          s.pendingMinute(),
          s.pendingFolded(),
          s.pendingDimensions(),
          now,
          out);
    }
    s = new DimensionFoldingState(
        s.orgId(),
        s.projectId(),
        s.pendingMinute(),
        s.pendingFolded(),
        s.pendingDimensions(),
        s.firing(),
        s.lastFoldedMinute(),
        closedThrough,
        s.foldedTotal());
    if (s.firing() && closedThrough >= s.lastFoldedMinute() + calmToResolve) {
      out.add(resolved(s, now));
      return new DimensionFoldingState(
          s.orgId(),
          s.projectId(),
          s.pendingMinute(),
          s.pendingFolded(),
          s.pendingDimensions(),
          false,
          Minutes.NONE,
          closedThrough,
          0);
    }
    return s;
  }

  private DimensionFoldingState closedMinuteFolded(
      DimensionFoldingState s,
      long minute,
      long folded,
      int dimensions,
      Instant now,
      List<Alert> out) {
    if (!s.firing()) {
      out.add(firing(s, minute, folded, dimensions, now));
    }
    return new DimensionFoldingState(
        s.orgId(),
        s.projectId(),
        s.pendingMinute(),
        s.pendingFolded(),
        s.pendingDimensions(),
        true,
        Math.max(s.lastFoldedMinute(), minute),
        s.closedThrough(),
        s.foldedTotal() + folded);
  }

  private static DimensionFoldingState withPending(
      DimensionFoldingState s, long minute, long folded, int dimensions) {
    return new DimensionFoldingState(
        s.orgId(),
        s.projectId(),
        minute,
        folded,
        dimensions,
        s.firing(),
        s.lastFoldedMinute(),
        s.closedThrough(),
        s.foldedTotal());
  }

  /** Nothing pending and nothing open: nothing to remember. */
  private static DimensionFoldingState keep(DimensionFoldingState s) {
    return s.firing() || s.pendingMinute() != Minutes.NONE ? s : null;
  }

  private static int foldedDimensions(UsageRollup r) {
    String[] values = {
      r.getOrgId(), r.getProjectId(), r.getModel(), r.getApiKeyFingerprint(), r.getService()
    };
    int bits = 0;
    for (int i = 0; i < values.length; i++) {
      if (OTHER.equals(values[i])) {
        bits |= 1 << i;
      }
    }
    return bits;
  }

  private static String dimensionNames(int bits) {
    StringJoiner names = new StringJoiner(",");
    for (int i = 0; i < DIMENSIONS.size(); i++) {
      if ((bits & (1 << i)) != 0) {
        names.add(DIMENSIONS.get(i));
      }
    }
    return names.toString();
  }

  private Alert firing(
      DimensionFoldingState s, long minute, long folded, int dimensions, Instant now) {
    String names = dimensionNames(dimensions);
    String summary = tenant(s) + ": " + folded + (folded == 1 ? " event" : " events")
        + " in the minute from " + SummaryFormat.hhmm(Minutes.start(minute)) + " UTC had " + names
        + " folded into __other__; its cardinality budget is full, so per-key cost and key alerts miss those values";
    Alert alert = Alerts.builder(
            dedupKey(s.orgId(), s.projectId()),
            AlertState.FIRING,
            ALERT_TYPE,
            Severity.WARNING,
            scope(s),
            Minutes.start(minute),
            Minutes.end(minute),
            now)
        .setObservedValue((double) folded)
        .setThreshold(1.0)
        .setSummary(summary)
        .build();
    alert.getDetails().put("folded_events", Long.toString(folded));
    alert.getDetails().put("dimensions", names);
    return alert;
  }

  private Alert resolved(DimensionFoldingState s, Instant now) {
    String summary = tenant(s) + " has folded no values for " + calmToResolve
        + (calmToResolve == 1 ? " minute" : " minutes") + " (" + s.foldedTotal()
        + " events were folded while open)";
    Alert alert = Alerts.builder(
            dedupKey(s.orgId(), s.projectId()),
            AlertState.RESOLVED,
            ALERT_TYPE,
            Severity.WARNING,
            scope(s),
            Minutes.start(s.lastFoldedMinute() + 1),
            Minutes.end(s.lastFoldedMinute() + calmToResolve),
            now)
        .setObservedValue(0.0)
        .setThreshold(1.0)
        .setSummary(summary)
        .build();
    alert.getDetails().put("folded_events_total", Long.toString(s.foldedTotal()));
    return alert;
  }

  private static String tenant(DimensionFoldingState s) {
    return s.orgId() + "/" + s.projectId();
  }

  private static Map<String, String> scope(DimensionFoldingState s) {
    return Map.of("org_id", s.orgId(), "project_id", s.projectId());
  }

  /** {@code dimension_folding:<org_id>:<project_id>}. */
  public static String dedupKey(String orgId, String projectId) {
    return DedupKeys.of(ALERT_TYPE, orgId, projectId);
  }
}
