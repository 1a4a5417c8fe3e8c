package io.tokenmeter.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * @param overrideFile {@code pricing.file}, default none: a price table that replaces the bundled
 *     one; checked to exist and be readable at start
 */
public record PricingSettings(Optional<Path> overrideFile) {}
