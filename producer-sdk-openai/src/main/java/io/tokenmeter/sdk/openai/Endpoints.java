package io.tokenmeter.sdk.openai;

import java.util.ArrayList;
import java.util.List;

/**
 * Which OpenAI API paths are metered, and under which {@code operation}. Only requests that run a
 * model (and so cost tokens) are: listing models, uploading files or polling a batch are not LLM
 * calls, and without a model they could not become a valid event anyway.
 *
 * <p>The path is matched on its last segments, so {@code /v1/chat/completions}, a proxy's {@code
 * /openai/v1/chat/completions} and Azure's {@code /openai/deployments/NAME/chat/completions} all
 * match {@code chat/completions}.
 */
final class Endpoints {

  /** The last path segments of a metered endpoint and its operation name. */
  private record Endpoint(List<String> suffix, String operation) {}

  // Longest suffixes first: "chat/completions" must win over "completions".
  private static final List<Endpoint> METERED = List.of(
      new Endpoint(List.of("chat", "completions"), "chat"),
      new Endpoint(List.of("images", "generations"), "image_generation"),
      new Endpoint(List.of("audio", "speech"), "speech"),
      new Endpoint(List.of("completions"), "text_completion"),
      new Endpoint(List.of("embeddings"), "embeddings"),
      new Endpoint(List.of("responses"), "responses"),
      new Endpoint(List.of("moderations"), "moderations"));

  private Endpoints() {}

  /**
   * The operation of a request, or null when the request is not metered: anything but a POST to
   * one of the endpoints above (a GET of {@code /responses/ID} retrieves, it does not generate).
   */
  static String operation(String method, String path) {
    if (method == null || path == null || !method.equalsIgnoreCase("POST")) {
      return null;
    }
    List<String> segments = segments(path);
    for (Endpoint e : METERED) {
      if (endsWith(segments, e.suffix)) {
        return e.operation;
      }
    }
    return null;
  }

  /**
   * The Azure OpenAI deployment named in the path ({@code .../deployments/NAME/...}), or null.
   * Azure requests name their model only there, so it stands in for the request model.
   */
  static String azureDeployment(String path) {
    if (path == null) {
      return null;
    }
    List<String> segments = segments(path);
    for (int i = 0; i + 1 < segments.size(); i++) {
      if (segments.get(i).equalsIgnoreCase("deployments")) {
        return segments.get(i + 1);
      }
    }
    return null;
  }

  private static List<String> segments(String path) {
    List<String> out = new ArrayList<>();
    for (String s : path.split("/")) {
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }

  private static boolean endsWith(List<String> segments, List<String> suffix) {
    int offset = segments.size() - suffix.size();
    if (offset < 0) {
      return false;
    }
    for (int i = 0; i < suffix.size(); i++) {
      if (!segments.get(offset + i).equalsIgnoreCase(suffix.get(i))) {
        return false;
      }
    }
    return true;
  }
}
