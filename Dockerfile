# syntax=docker/dockerfile:1
# Images of the production stack (docker-compose.yml), built from this repository:
#   docker build --target app -t tokenmeter/app .        the streams app and the alert router
#   docker build --target connect -t tokenmeter/connect . Kafka Connect 4.4.0 with the Debezium JDBC sink
# docs/deployment.md explains the stack; docs/configuration.md lists every TOKENMETER_* variable.

ARG KAFKA_VERSION=4.4.0
ARG DEBEZIUM_VERSION=3.6.0.Final

# ---- build: the CLI and its runtime dependencies, with the same Maven build as bin/tokenmeter
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -ntp -q -DskipTests -pl streams-app -am package dependency:copy-dependencies -DincludeScope=runtime \
 && mkdir -p /out/lib \
 && cp streams-app/target/dependency/*.jar /out/lib/ \
 && cp streams-app/target/tokenmeter-streams-app-*.jar /out/lib/

# ---- app: `run` by default; `router` for the alert router; any other tokenmeter sub-command works too
FROM eclipse-temurin:17-jre AS app
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/tokenmeter --create-home tokenmeter \
 && mkdir -p /var/lib/tokenmeter/state \
 && chown -R tokenmeter /var/lib/tokenmeter
COPY --from=build /out/lib /opt/tokenmeter/lib
USER tokenmeter
# State stores live on a volume; the HTTP endpoints must listen beyond the container's loopback.
ENV TOKENMETER_KAFKA_STATE_DIR=/var/lib/tokenmeter/state \
    TOKENMETER_HTTP_HOST=0.0.0.0 \
    TOKENMETER_HTTP_PORT=8080 \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75"
VOLUME /var/lib/tokenmeter/state
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${TOKENMETER_HTTP_PORT}/health" || exit 1
ENTRYPOINT ["java", "-cp", "/opt/tokenmeter/lib/*", "io.tokenmeter.cli.TokenmeterCli"]
CMD ["run"]

# ---- the Debezium JDBC sink plugin, unpacked from Maven Central (the tar.gz with classifier plugin)
FROM maven:3.9-eclipse-temurin-17 AS debezium
ARG DEBEZIUM_VERSION
RUN mvn -B -ntp -q org.apache.maven.plugins:maven-dependency-plugin:2.8:get -Dtransitive=false \
      -Dartifact=io.debezium:debezium-connector-jdbc:${DEBEZIUM_VERSION}:tar.gz:plugin \
 && mkdir -p /plugins \
 && tar -xzf /root/.m2/repository/io/debezium/debezium-connector-jdbc/${DEBEZIUM_VERSION}/debezium-connector-jdbc-${DEBEZIUM_VERSION}-plugin.tar.gz -C /plugins

# ---- connect: Apache Kafka's own image runs the Connect worker with the plugin
FROM apache/kafka:${KAFKA_VERSION} AS connect
COPY --from=debezium /plugins /opt/connect-plugins
COPY deploy/connect/connect-distributed.properties /opt/tokenmeter/connect-distributed.properties
EXPOSE 8083
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=5 \
  CMD wget -q -O /dev/null http://127.0.0.1:8083/connectors || exit 1
CMD ["/opt/kafka/bin/connect-distributed.sh", "/opt/tokenmeter/connect-distributed.properties"]
