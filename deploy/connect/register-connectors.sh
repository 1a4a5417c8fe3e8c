#!/bin/sh
# Registers every connector config (*.json, Connect's {"name":..., "config":{...}} form) in a
# directory with a Connect worker. Idempotent: an existing connector (409) is left as it is.
# Usage: register-connectors.sh http://connect:8083 /connectors
set -eu
url="$1"
dir="$2"
for file in "$dir"/*.json; do
  status=$(curl -sS -o /tmp/response -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data @"$file" "$url/connectors")
  case "$status" in
    201) echo "registered $(basename "$file")" ;;
    409) echo "already registered: $(basename "$file")" ;;
    *) echo "failed to register $(basename "$file"): HTTP $status" >&2; cat /tmp/response >&2; exit 1 ;;
  esac
done
