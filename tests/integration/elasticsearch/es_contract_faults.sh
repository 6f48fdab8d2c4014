#!/usr/bin/env bash
# Fault runs of the Elasticsearch sink against the contract server: a few
# thousand events per scenario while the server injects one fault (or all of
# them); es_fault_harness checks the server's documents, the dead letters and
# that nothing was duplicated. The server is a contract stand-in, not
# Elasticsearch (see tests/es-contract-server/es_contract_server.py).
set -euo pipefail

: "${LOGPOST_BUILD_DIR:?LOGPOST_BUILD_DIR must point at the build directory}"
HARNESS="$LOGPOST_BUILD_DIR/tests/integration/elasticsearch/es_fault_harness"
[ -x "$HARNESS" ] || HARNESS="$(find "$LOGPOST_BUILD_DIR" -name es_fault_harness -type f -perm -u+x | head -n1)"
source "$(dirname "$0")/es_lib.sh"

WORK="$(mktemp -d)"
trap 'stop_servers; rm -rf "$WORK"' EXIT

start_server main
URL="http://127.0.0.1:$ES_PORT"
MAPPING='"mapping":{"http.response.status_code":"long"}'
FAILED=0
run() {
  local scenario=$1; shift
  if ! "$HARNESS" --url "$URL" --scenario "$scenario" "$@"; then
    echo "scenario $scenario FAILED"; FAILED=1
  fi
}

run clean          --faults "{}" --expect-connections 1
run mapping-errors --faults "{$MAPPING}" --bad-every 97
run storm-429      --faults '{"item_status":{"status":429,"count":2500}}'
run random-items   --faults "{\"seed\":7,\"random_item_failures\":{\"probability\":0.15,\"status\":503},$MAPPING}" --bad-every 101
# The same random failures with a limit: documents refused 3 times are
# dead-lettered with the server's reason, the rest stored.
run random-limited --faults "{\"seed\":7,\"random_item_failures\":{\"probability\":0.15,\"status\":503},$MAPPING}" --bad-every 101 --retry-max-attempts 3
run request-5xx    --faults '{"request_status":{"status":503,"count":4}}'
run request-429    --faults '{"request_status":{"status":429,"count":3}}'
run too-large-413  --faults '{"max_body_bytes":40000}' --bulk-max-docs 1000
run slow-timeouts  --faults '{"slow":{"delay":1.5,"count":2}}' --request-timeout-ms 400
run conn-resets    --faults '{"reset":{"count":4}}'
run lost-answers   --faults '{"lost_response":{"count":3}}' --expect-conflicts
run everything     --faults "{\"seed\":3,\"random_item_failures\":{\"probability\":0.1,\"status\":429},\"request_status\":{\"status\":502,\"count\":2},\"reset\":{\"count\":2},\"max_body_bytes\":60000,$MAPPING}" --bad-every 89

# Credentials: without the API key the sink stops with a clear permanent
# error and stores nothing; with it, everything arrives.
start_server auth --api-key "bG9ncG9zdDpzZWNyZXQ="
URL="http://127.0.0.1:$ES_PORT"
run unauthorized --faults "{}" --events 50 --expect-unauthorized
run authorized   --faults "{}" --events 500 --api-key "bG9ncG9zdDpzZWNyZXQ="

exit $FAILED
