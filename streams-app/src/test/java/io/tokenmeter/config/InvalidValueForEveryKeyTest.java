package io.tokenmeter.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * For every key of {@link ConfigKeys} (iterated, so a key added later is covered without
 * touching this test) a bad value fails the load at start, and the problem names the key and says
 * what is expected; where the documented type is a choice of words, every word is listed.
 *
 * <p>Each key is tried with a list of values that are wrong for most types. A key must refuse at
 * least one of them, unless its documented type is free text, where no value is wrong.
 */
class InvalidValueForEveryKeyTest {

  /** Types whose every value is valid: nothing to refuse. */
  private static final Set<String> FREE_TEXT_TYPES = Set.of("text", "secret text, or empty");

  private static final Pattern CHOICE = Pattern.compile("`([a-z_]+)`");

  @TempDir
  Path dir;

  @Test
  void everyKeyRefusesABadValueNamingTheKeyAndWhatIsAllowed() throws Exception {
    Path aFile = Files.writeString(dir.resolve("not-a-directory"), "x");
    List<String> candidates = List.of(
        "",
        " ",
        "-1",
        "0",
        "0.5",
        "1.5",
        "99999999999999999999",
        "1e309",
        "yes",
        "6 minutes",
        "not a valid value!",
        "ftp://example.com",
        "exactly_once",
        dir.resolve("missing/file").toString(),
        aFile.toString(),
        "x".repeat(300),
        "localhost");

    Map<String, String> refusedNothing = new LinkedHashMap<>();
    List<String> refusals = new ArrayList<>();
    for (ConfigKeys.Key key : ConfigKeys.all()) {
      boolean refused = false;
      for (String bad : candidates) {
        ConfigException e = loadFailure(key.name(), bad);
        if (e == null) {
          continue;
        }
        refused = true;
        String problem = e.problems().stream()
            .filter(p -> p.contains(key.name()))
            .findFirst()
            .orElse(null);
        assertThat(problem)
            .as("%s=%s: a problem naming the key, in %s", key.name(), bad, e.problems())
            .isNotNull();
        // "expected <type>" for a bad value; "must" for a contradiction between two keys.
        assertThat(problem).as("%s=%s", key.name(), bad).containsAnyOf("expected", "must");
        Matcher choice = CHOICE.matcher(key.type());
        while (choice.find() && !key.type().contains("[")) {
          assertThat(problem)
              .as("%s=%s lists the allowed word %s", key.name(), bad, choice.group(1))
              .containsIgnoringCase(choice.group(1));
        }
        refusals.add(problem);
      }
      if (!refused && !FREE_TEXT_TYPES.contains(key.type())) {
        refusedNothing.put(key.name(), key.type());
      }
    }

    assertThat(refusedNothing).as("keys that accepted every bad value").isEmpty();
    assertThat(refusals).isNotEmpty();
  }

  @Test
  void anUnknownWordListsTheAllowedOnes() {
    ConfigException e = loadFailure("kafka.processing.guarantee", "exactly_once");

    assertThat(e.problems())
        .singleElement()
        .asString()
        .contains("kafka.processing.guarantee")
        .contains("exactly_once_v2")
        .contains("at_least_once");
  }

  /** The failure of loading the defaults with {@code key=value} from a file, or null if it loads. */
  private ConfigException loadFailure(String key, String value) {
    Path file = ConfigFixtures.writeFile(dir, key + "=" + value.replace("\\", "\\\\"));
    try {
      ConfigLoader.create().file(file).load();
      return null;
    } catch (ConfigException e) {
      return e;
    }
  }
}
