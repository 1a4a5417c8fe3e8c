package io.tokenmeter.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * @param overrideFile {@code pricing.file}: a price table that replaces the bundled one
 */
public record PricingSettings(Optional<Path> overrideFile) {}
