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
