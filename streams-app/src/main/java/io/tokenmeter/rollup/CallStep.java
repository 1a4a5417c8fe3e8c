package io.tokenmeter.rollup;

import io.tokenmeter.schemas.LlmCallEvent;
import java.util.Set;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * Work that {@link CountProcessor} does on each accepted call (on time, first seen), inside its own
 * {@code process}: the alert detectors whose state is partition-local. A step sends what it makes
 * to children of the count node by name, so a call costs no forward between steps.
 */
public interface CallStep {

  /** Called from the count's {@code init}: get stores, schedule punctuators. */
  void init(ProcessorContext<String, Object> context);

  /**
   * One accepted call.
   *
   * @param key the record key, {@code org_id/project_id}
   * @param timestamp the record's timestamp
   */
  void onCall(String key, LlmCallEvent event, long timestamp);

  default void close() {}

  /** Makes the steps of one task; a step has state, so each task gets its own. */
  interface Factory {
    CallStep create();

    /** The stores the steps use, which the count node is connected to. */
    Set<StoreBuilder<?>> stores();
  }
}
