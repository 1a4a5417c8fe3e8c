package io.tokenmeter.rollup;

import io.tokenmeter.schemas.LlmCallEvent;

/**
 * What a rollup is grouped by. Missing org, project or key fingerprint is the empty string, so
 * that "no org" is one group and never a null key.
 */
public record Dimensions(
    String model, String orgId, String projectId, String apiKeyFingerprint, String service) {

  /** The value a dimension takes once the cardinality guard folds it. */
  public static final String OTHER = "__other__";

  /** Number of dimensions, in the order of {@link #get(int)}. */
  static final int COUNT = 5;

  static final String[] NAMES = {"model", "org_id", "project_id", "api_key_fingerprint", "service"};

  public Dimensions {
    model = orEmpty(model);
    orgId = orEmpty(orgId);
    projectId = orEmpty(projectId);
    apiKeyFingerprint = orEmpty(apiKeyFingerprint);
    service = orEmpty(service);
  }

  /** Response model when the provider named one, else the requested model. */
  public static Dimensions of(LlmCallEvent e) {
    String model = e.getResponseModel() != null && !e.getResponseModel().isEmpty()
        ? e.getResponseModel()
        : e.getRequestModel();
    return new Dimensions(
        model, e.getOrgId(), e.getProjectId(), e.getApiKeyFingerprint(), e.getService());
  }

  String get(int i) {
    return switch (i) {
      case 0 -> model;
      case 1 -> orgId;
      case 2 -> projectId;
      case 3 -> apiKeyFingerprint;
      case 4 -> service;
      default -> throw new IndexOutOfBoundsException(i);
    };
  }

  Dimensions with(String[] values) {
    return new Dimensions(values[0], values[1], values[2], values[3], values[4]);
  }

  void writeTo(BinaryWriter w) {
    for (int i = 0; i < COUNT; i++) {
      w.writeString(get(i));
    }
  }

  static Dimensions readFrom(BinaryReader r) {
    return new Dimensions(
        r.readString(), r.readString(), r.readString(), r.readString(), r.readString());
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
