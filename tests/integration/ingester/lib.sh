# lib.sh — shared set-up for the ingester's integration tests (sourced).
# Needs LOGPOST_BUILD_DIR (set by ctest); creates a scratch directory with a
# Maildir, a tenant key and a config, removed on exit.
set -euo pipefail
: "${LOGPOST_BUILD_DIR:?run through ctest (LOGPOST_BUILD_DIR unset)}"
INGEST="$LOGPOST_BUILD_DIR/ingester/logpost-ingest"
QUERY="$LOGPOST_BUILD_DIR/query/logpost-query"
MAKE_MAILS="$LOGPOST_BUILD_DIR/tests/integration/ingester/logpost-test-make-mails"
for bin in "$INGEST" "$MAKE_MAILS"; do
  [[ -x "$bin" ]] || { echo "missing $bin (build it first)"; exit 1; }
done
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI not installed: skipping"; exit 77; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/logpost-ingest-it.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
MAILDIR="$WORK/Maildir"
STORE="$WORK/store.sqlite"
mkdir -p "$MAILDIR"/{new,cur,tmp}
printf 'integration-test-key\n' > "$WORK/acme.key"
cat > "$WORK/ingest.conf" <<CONF
tenant.acme.signing_key_file = acme.key
pipelines_dir = $WORK/no-pipelines
batch_events = ${BATCH_EVENTS:-50}
retry_initial = 10ms
retry_max = 100ms
CONF

# Lines "<id>\t<message>" of every stored event, sorted.
stored_events() {
  sqlite3 -readonly "$STORE" "SELECT id || char(9) || json_extract(doc, '\$.message') FROM events" | LC_ALL=C sort
}

# Deterministic access-log-like lines: gen_lines N SEED
gen_lines() {
  awk -v n="$1" -v seed="$2" 'BEGIN { for (i = 0; i < n; i++) printf "10.%d.%d.%d - - [21/Nov/2026:06:%02d:%02d +0000] \"GET /s%d/item/%d HTTP/1.1\" 200 %d\n", seed, int(i/250)%250, i%250, int(i/60)%60, i%60, seed, i, (i*7919)%100000 }'
}

# Polls until COMMAND succeeds: wait_for SECONDS COMMAND... (never a fixed sleep
# as synchronisation; 1 when the deadline passes).
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    (( SECONDS < deadline )) || return 1
    sleep 0.05
  done
}

# The metrics endpoint (metrics_listen). start_metrics_daemon CONF LOG starts
# the daemon on a free loopback port with CONF plus a metrics_listen line,
# retrying when it loses the port to a race; sets DAEMON_PID, ADDRESS, PORT.
# The caller's EXIT trap must kill $DAEMON_PID.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
scrape() { curl -sS --max-time 2 "http://$ADDRESS/metrics"; }
metric() { scrape | awk -v name="$1" '$1 == name { print $2 }'; }
metric_is() { [[ "$(metric "$1" 2>/dev/null)" == "$2" ]]; }
metric_at_least() { local v; v=$(metric "$1" 2>/dev/null); [[ -n "$v" ]] && (( v >= $2 )); }
start_metrics_daemon() {
  local base="$1" log="$2" attempt
  for attempt in 1 2 3 4 5; do
    PORT=$(free_port)
    ADDRESS="127.0.0.1:$PORT"
    { cat "$base"; echo "metrics_listen = $ADDRESS"; } > "$base.metrics"
    "$INGEST" --config "$base.metrics" --maildir "$MAILDIR" --store "sqlite:$STORE" 2> "$log" &
    DAEMON_PID=$!
    listening_or_exited() { grep -qs 'event=metrics_listening' "$log" || ! kill -0 "$DAEMON_PID" 2>/dev/null; }
    wait_for 20 listening_or_exited || { echo "daemon neither listened nor exited"; cat "$log"; return 1; }
    grep -q 'event=metrics_listening' "$log" && return 0
    wait "$DAEMON_PID" || true
    DAEMON_PID=
    grep -q 'in use' "$log" || { echo "daemon exited at start-up"; cat "$log"; return 1; }
  done
  echo "no free port in 5 attempts"
  return 1
}
