package io.tokenmeter.config;

/**
 * The whole configuration of the streams app, typed and validated once at start. Each component
 * reads only its own section.
 */
public record TokenmeterConfig(
    KafkaSettings kafka,
    TopicSettings topics,
    RollupSettings rollup,
    AlertSettings alerts,
    PricingSettings pricing) {}
