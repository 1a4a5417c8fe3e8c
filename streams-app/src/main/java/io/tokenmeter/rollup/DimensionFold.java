package io.tokenmeter.rollup;

import io.tokenmeter.config.RollupSettings;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * The cardinality guard: per task a bounded set of orgs and (org, project) tenants, and per tenant
 * a bounded set of models, API key fingerprints and services ({@link TenantGuard} has the rules).
 * A value beyond its budget becomes {@code __other__} and the event counts in {@code
 * folded_events}, in {@code tokenmeter-folded-events-total} for the task and for the tenant.
 *
 * <p>The guard lives on the heap, loaded once in {@link #init} from {@link
 * RollupStores#TENANT_VALUES} and written back at every commit by {@link TenantGuardStore}: no
 * store access per event.
 */
final class DimensionFold {

  private static final long MINUTE_MS = 60_000L;

  private final int maxTenantValues;
  private final int maxPerTenant;
  private final long expireAfterMinutes;
  private ProcessorContext<?, ?> context;
  private TenantGuard guard;
  private Sensor folded;

  DimensionFold(RollupSettings settings) {
    this.maxTenantValues = settings.maxDistinctValuesPerDimension();
    this.maxPerTenant = settings.maxDistinctValuesPerTenant();
    this.expireAfterMinutes = settings.distinctValuesExpireAfter().toMinutes();
  }

  void init(ProcessorContext<?, ?> context) {
    this.context = context;
    this.folded = RollupMetrics.foldedEvents(context);
    // A revived task calls init again on this instance: start from the committed state.
    removeTenantSensors();
    guard = new TenantGuard(maxTenantValues, maxPerTenant, expireAfterMinutes);
    guard.onTenantRemoved(this::removeSensor);
    TenantGuardStore store = context.getStateStore(RollupStores.TENANT_VALUES);
    store.attach(guard);
  }

  /** The call with the values over their budget folded into {@code __other__}; the same call when none is. */
  Call apply(Call call) {
    Dimensions d = call.dimensions();
    long minute = Math.floorDiv(call.event().getTimestamp().toEpochMilli(), MINUTE_MS);
    TenantGuard.Tenant tenant = guard.tenant(d.orgId(), d.projectId(), minute);
    String[] values = null;
    if (!tenant.orgId().equals(d.orgId()) || !tenant.projectId.equals(d.projectId())) {
      values = fold(values, d, 1, tenant.orgId());
      values = fold(values, d, 2, tenant.projectId);
    }
    for (int slot = 0; slot < TenantGuard.TENANT_DIMENSIONS.length; slot++) {
      int dimension = TenantGuard.TENANT_DIMENSIONS[slot];
      if (!guard.admit(tenant, slot, d.get(dimension), minute)) {
        values = fold(values, d, dimension, Dimensions.OTHER);
      }
    }
    if (values != null) {
      folded.record();
      tenantSensor(tenant).record();
      return call.withDimensions(d.with(values), true);
    }
    return call;
  }

  /** The event's dimensions with {@code dimension} set to {@code value}, copied on the first fold. */
  private static String[] fold(String[] values, Dimensions d, int dimension, String value) {
    if (d.get(dimension).equals(value)) {
      return values;
    }
    if (values == null) {
      values = new String[Dimensions.COUNT];
      for (int i = 0; i < Dimensions.COUNT; i++) {
        values[i] = d.get(i);
      }
    }
    values[dimension] = value;
    return values;
  }

  private Sensor tenantSensor(TenantGuard.Tenant tenant) {
    if (tenant.sensor == null) {
      tenant.sensor = RollupMetrics.tenantFoldedEvents(context, tenant.orgId(), tenant.projectId);
    }
    return tenant.sensor;
  }

  private void removeSensor(TenantGuard.Tenant tenant) {
    if (tenant.sensor != null) {
      context.metrics().removeSensor(tenant.sensor);
      tenant.sensor = null;
    }
  }

  private void removeTenantSensors() {
    if (guard != null) {
      guard.forEachTenant(this::removeSensor);
    }
  }

  void close() {
    removeTenantSensors();
    context.metrics().removeSensor(folded);
  }
}
