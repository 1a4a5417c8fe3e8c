#!/usr/bin/env bash
# Builds the bench module and runs the pipeline benchmark: Tokenmeter (at-least-once and
# exactly-once) against kafka-consumer-perf-test, a plain consumer and Flink SQL, on one real broker,
# with a correctness gate. Options: --help, or docs/benchmarks.md "Pipeline".
# Runs on the module's runtime classpath (bench/target/pipeline.classpath), not benchmarks.jar.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q -pl bench -am package -DskipTests
exec java -Xmx1g -Dtokenmeter.bench.command="bench/run-pipeline-bench.sh $*" \
  -cp "bench/target/classes:$(cat bench/target/pipeline.classpath)" \
  io.tokenmeter.bench.pipeline.PipelineBench "$@"
