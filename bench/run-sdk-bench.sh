#!/usr/bin/env bash
# Builds bench/target/benchmarks.jar and measures what Tokenmeter.record() costs the caller.
# Extra arguments go to JMH, e.g. `bench/run-sdk-bench.sh -f 1 -i 2` for a quick look.
# Results and how to read them: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q -pl bench -am package -DskipTests
exec java -jar bench/target/benchmarks.jar 'io.tokenmeter.bench.SdkRecordBenchmark' \
  -prof gc -prof io.tokenmeter.bench.CallerAllocationProfiler \
  -rf json -rff bench/target/sdk-record.json "$@"
