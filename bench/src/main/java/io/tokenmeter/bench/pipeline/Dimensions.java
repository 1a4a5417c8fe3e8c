package io.tokenmeter.bench.pipeline;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The fixed, seeded set of dimension combinations the events are drawn from: real model names from
 * the app's bundled price table (so the app prices them, as in production), orgs with projects,
 * API keys that each belong to one org and project, and services.
 */
final class Dimensions {

  static final int MODELS = 20;
  static final int ORGS = 50;
  static final int PROJECTS_PER_ORG = 4;
  static final int KEYS = 500;
  static final int SERVICES = 30;

  /** A key as events carry it: never the key itself, only its fingerprint and hint. */
  record ApiKey(String org, String project, String fingerprint, String hint) {}

  record Combo(String model, ApiKey key, String service) {}

  private final List<String> models;
  private final List<ApiKey> keys;
  private final List<String> services;
  private final List<Combo> combos;

  private Dimensions(
      List<String> models, List<ApiKey> keys, List<String> services, List<Combo> combos) {
    this.models = models;
    this.keys = keys;
    this.services = services;
    this.combos = combos;
  }

  static Dimensions create(long seed, int combinations) {
    Random random = new Random(seed);
    List<String> models = bundledModels(MODELS);
    List<ApiKey> keys = new ArrayList<>();
    HexFormat hex = HexFormat.of();
    for (int i = 0; i < KEYS; i++) {
      String org = String.format("org-bench-%02d", random.nextInt(ORGS) + 1);
      String project = "proj-" + (char) ('a' + random.nextInt(PROJECTS_PER_ORG));
      byte[] fp = new byte[16];
      random.nextBytes(fp);
      byte[] tail = new byte[2];
      random.nextBytes(tail);
      keys.add(new ApiKey(org, project, hex.formatHex(fp), "sk-..." + hex.formatHex(tail)));
    }
    List<String> services = new ArrayList<>();
    String[] names = {"checkout", "search", "support-bot", "summarizer", "recommender", "translator"
    };
    for (int i = 0; i < SERVICES; i++) {
      services.add(names[i % names.length] + "-" + (i / names.length + 1));
    }
    int possible = models.size() * keys.size() * services.size();
    if (combinations > possible / 2) {
      throw new IllegalArgumentException(
          "at most " + possible / 2 + " combinations, asked for " + combinations);
    }
    Set<Combo> combos = new LinkedHashSet<>();
    while (combos.size() < combinations) {
      combos.add(new Combo(
          models.get(random.nextInt(models.size())),
          keys.get(random.nextInt(keys.size())),
          services.get(random.nextInt(services.size()))));
    }
    return new Dimensions(
        List.copyOf(models), List.copyOf(keys), List.copyOf(services), List.copyOf(combos));
  }

  List<String> models() {
    return models;
  }

  List<ApiKey> keys() {
    return keys;
  }

  List<String> services() {
    return services;
  }

  /** In rank order for the Zipf draw: combination 0 is the hottest. */
  List<Combo> combos() {
    return combos;
  }

  /** The first {@code n} chat models of the app's bundled price table (embeddings have no output). */
  static List<String> bundledModels(int n) {
    List<String> models = new ArrayList<>();
    try (InputStream in = Dimensions.class.getResourceAsStream("/io/tokenmeter/cost/prices.tsv")) {
      if (in == null) {
        throw new IllegalStateException(
            "the streams app's bundled price table is not on the classpath");
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String line;
      boolean header = true;
      while ((line = reader.readLine()) != null && models.size() < n) {
        if (line.startsWith("#") || line.isBlank()) {
          continue;
        }
        if (header) {
          header = false;
          continue;
        }
        String model = line.split("\t")[1];
        if (!model.startsWith("text-embedding") && !models.contains(model)) {
          models.add(model);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return models;
  }
}
