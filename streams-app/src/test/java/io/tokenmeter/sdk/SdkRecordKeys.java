package io.tokenmeter.sdk;

/**
 * The record key the producer SDK itself would give an event, computed by the SDK's own code, so
 * that the CLI's copy of the rule is checked against the original rather than against a second copy.
 * Lives in the SDK's package because {@code EventMapper.recordKey} is package-private.
 */
public final class SdkRecordKeys {

  private SdkRecordKeys() {}

  public static String recordKey(String service, String orgId, String projectId) {
    EventMapper mapper = new EventMapper("unused", service, "unused", new byte[32]);
    return mapper.recordKey(LlmCall.builder().orgId(orgId).projectId(projectId).build());
  }
}
