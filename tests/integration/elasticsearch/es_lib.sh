# es_lib.sh — helpers for the Elasticsearch integration tests (sourced).
# The caller sets WORK (a scratch directory) and an EXIT trap that calls
# stop_servers. The server is tests/es-contract-server/es_contract_server.py,
# a contract stand-in: NOT Elasticsearch.
: "${LOGPOST_SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}"
ES_SERVER="$LOGPOST_SOURCE_DIR/tests/es-contract-server/es_contract_server.py"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
ES_SERVER_PIDS=()

stop_servers() {
  local pid
  for pid in "${ES_SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
}

# start_server NAME [server args...]: starts a server and sets ES_PORT to its
# port (not run in $(...): the pid must reach ES_SERVER_PIDS of this shell).
start_server() {
  local name=$1; shift
  python3 "$ES_SERVER" --port-file "$WORK/$name.port" --parent-pid $$ --idle-exit 300 "$@" >"$WORK/$name.log" 2>&1 &
  ES_SERVER_PIDS+=($!)
  local deadline=$((SECONDS + 20))
  while [ ! -s "$WORK/$name.port" ]; do
    if [ $SECONDS -ge $deadline ]; then echo "server $name did not start:" >&2; cat "$WORK/$name.log" >&2; exit 1; fi
    sleep 0.05  # polling for the port file, bounded by the deadline
  done
  ES_PORT=$(cat "$WORK/$name.port")
}

# server_call METHOD URL [BODY]: prints the JSON answer of a control
# endpoint; trusts the PEM CA in $ES_TEST_CA for https URLs.
server_call() {
  python3 - "$@" <<'PY'
import os, ssl, sys, urllib.request
method, url = sys.argv[1], sys.argv[2]
body = sys.argv[3].encode() if len(sys.argv) > 3 else None
ctx = ssl.create_default_context(cafile=os.environ.get("ES_TEST_CA") or None) if url.startswith("https") else None
req = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "application/json"})
with urllib.request.urlopen(req, context=ctx, timeout=20) as r:
    sys.stdout.write(r.read().decode())
PY
}
