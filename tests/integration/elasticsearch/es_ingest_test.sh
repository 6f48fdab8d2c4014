#!/usr/bin/env bash
# logpost-ingest end to end into the Elasticsearch contract server (a python
# stand-in for the bulk API: NOT Elasticsearch): real signed shipment mails
# in a Maildir, `logpost-ingest --once --store http(s)://127.0.0.1:PORT`
# with the repository's pipelines, then the server's own view is checked.
#
#   plain       every event stored once, under its id, in the tenant's data
#               stream, parsed by the pipeline; mails moved to cur/. The
#               same mails delivered again store nothing new (all 409).
#   linger      ~25 small mails go out in 3 bulk requests (batch_events = 100,
#               batches filled across mails), every document once.
#   attempts    elasticsearch.retry_max_attempts = 2 under a 429 storm: the
#               documents refused twice are dead-lettered with the reason,
#               the others stored, the mail leaves new/. With 0 (no limit)
#               the same storm stores everything; an outage (request 503,
#               connection reset) with a limit of 1 dead-letters nothing.
#   failover    the first of two hosts refuses connections: all stored on the
#               second. A daemon started while the store is down keeps the
#               mail in new/ and stores it once the store comes up.
#   auth        basic auth from elasticsearch.password_file: a wrong password
#               exits 69 and keeps the mail, the right one stores; neither
#               password appears in any log.
#   tls         HTTPS with a CA made here by openssl: with elasticsearch.ca_file
#               it works; without it, or with a host name the certificate
#               does not hold, logpost-ingest exits 78 naming the TLS
#               verification failure, stores nothing and the mails stay in
#               new/ (a later run with the CA stores them all);
#               tls_verify = no works and logs a warning; setup-elasticsearch
#               over HTTPS installs policy and templates, a rerun changes nothing.

# The ingester tests' set-up (set -euo pipefail too): INGEST, MAKE_MAILS, WORK, $WORK/acme.key, gen_lines.
source "$(dirname "$0")/../ingester/lib.sh"
command -v openssl >/dev/null || { echo "SKIP: openssl CLI missing"; exit 77; }
source "$(dirname "$0")/es_lib.sh"
trap 'stop_servers; rm -rf "$WORK"' EXIT

FAILED=0
check() {  # check DESCRIPTION COMMAND...: runs COMMAND, reports
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; FAILED=1; fi
}
eq() { [[ "$1" == "$2" ]] || { echo "  got '$1', expected '$2'" >&2; return 1; }; }
every_line_has() {
  local missing
  missing=$(grep -vF -- "$2" "$1" || true)
  [[ -z "$missing" ]] || { echo "  lines without '$2':" >&2; head -n 3 <<< "$missing" >&2; return 1; }
}
contains() { grep -qF -- "$2" "$1" || { echo "  '$2' not in $1:" >&2; tail -n 5 "$1" >&2; return 1; }; }

# new_maildir NAME LINES PART_BYTES: a Maildir whose new/ holds the mails of
# LINES access-log lines; the expected event ids go to $WORK/NAME.ids.
new_maildir() {
  local dir="$WORK/$1"
  mkdir -p "$dir"/{new,cur,tmp}
  gen_lines "$2" 3 > "$WORK/$1.log"
  "$MAKE_MAILS" --maildir "$dir" --kind nginx-access --part-bytes "$3" --key-file "$WORK/acme.key" \
    --file-id "7:7:7:7:$1" --prefix "$1" --expected "$WORK/$1.expected" "$WORK/$1.log" > /dev/null
  cut -f1 "$WORK/$1.expected" | LC_ALL=C sort > "$WORK/$1.ids"
}
# write_config NAME [key = value lines...]
write_config() {
  local name=$1; shift
  {
    echo "tenant.acme.signing_key_file = $WORK/acme.key"
    echo "pipelines_dir = $LOGPOST_SOURCE_DIR/pipelines"
    echo "geoip_dir = $WORK/no-geoip"
    echo "batch_events = 100"
    echo "retry_initial = 10ms"
    echo "retry_max = 50ms"
    echo "retry_give_up = 60s"
    echo "elasticsearch.tenant.acme.namespace = acme"
    printf '%s\n' "$@"
  } > "$WORK/$name.conf"
}
ingest() {  # ingest CONFIG MAILDIR URL: runs --once, stderr to $WORK/last.log, prints the exit code
  local rc=0
  "$INGEST" --config "$WORK/$1.conf" --maildir "$WORK/$2" --store "$3" --once 2> "$WORK/last.log" || rc=$?
  cat "$WORK/last.log" >> "$WORK/all-runs.log"
  echo "$rc"
}
count_files() { find "$1" -maxdepth 1 -type f | wc -l; }
# Sorted "<index>\t<_id>" of every document the server holds.
server_docs() {
  server_call GET "$1/_contract/docs" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for index, docs in sorted(d["indices"].items()):
    for i in sorted(docs):
        print(index + "\t" + i)'
}
stat_of() { server_call GET "$1/_contract/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
dead_letters() {  # dead_letters MAILDIR: "<id>\t<reason>" sorted
  sqlite3 -readonly "$WORK/$1/logpost-ingest-state.sqlite" "SELECT event_id || char(9) || reason FROM dead_letters" |
    LC_ALL=C sort
}

# ---- plain: http, the real pipeline, duplicates -----------------------------
start_server plain
URL="http://127.0.0.1:$ES_PORT"
new_maildir plain 600 12000
write_config plain
mails=$(count_files "$WORK/plain/new")
check "plain: more than one mail to ingest ($mails)" test "$mails" -gt 1
check "plain: logpost-ingest exits 0" eq "$(ingest plain plain "$URL")" 0
server_docs "$URL" > "$WORK/plain.docs"
check "plain: the server holds exactly the expected ids" cmp -s <(cut -f2 "$WORK/plain.docs") "$WORK/plain.ids"
check "plain: all in the tenant's data stream" eq "$(cut -f1 "$WORK/plain.docs" | sort -u)" "logs-nginx.access-acme"
check "plain: new/ is empty" eq "$(count_files "$WORK/plain/new")" 0
check "plain: every mail in cur/" eq "$(count_files "$WORK/plain/cur")" "$mails"
# The pipeline ran: line 7 is parsed into typed fields.
id7=$(sed -n 8p "$WORK/plain.expected" | cut -f1)
server_call GET "$URL/_contract/docs" | python3 -c '
import json, sys
d = json.load(sys.stdin)["indices"]["logs-nginx.access-acme"][sys.argv[1]]
assert d["http"]["response"]["status_code"] == 200, d
assert d["url"]["original"] == "/s3/item/7", d
assert d["data_stream"] == {"type": "logs", "dataset": "nginx.access", "namespace": "acme"}, d
assert "@timestamp" in d and d["logpost"]["tenant"] == "acme", d
' "$id7" && echo "ok: plain: documents carry the pipeline's typed fields" || { echo "FAIL: plain: document fields"; FAILED=1; }
# Duplicate SMTP delivery: every mail again under a new name.
for m in "$WORK/plain/cur"/*; do n=$(basename "$m"); cp "$m" "$WORK/plain/tmp/x"; mv "$WORK/plain/tmp/x" "$WORK/plain/new/${n%%:2,*}.again"; done
check "plain: the duplicates ingest, exit 0" eq "$(ingest plain plain "$URL")" 0
check "plain: nothing created twice" eq "$(stat_of "$URL" created)" 600
check "plain: the resent documents were answered 409" eq "$(stat_of "$URL" conflicts)" 600
check "plain: new/ is empty again" eq "$(count_files "$WORK/plain/new")" 0

# ---- linger: many small mails share bulk requests ---------------------------
# ~25 mails of ~12 events: batches fill across mails (batch_events = 100), so
# the server sees ceil(300 / 100) bulk requests, not one per mail.
server_call POST "$URL/_contract/reset" > /dev/null
new_maildir small 300 1000
write_config small "batch_linger = 10s"
small_mails=$(count_files "$WORK/small/new")
check "linger: many small mails ($small_mails)" test "$small_mails" -ge 10
check "linger: exit 0" eq "$(ingest small small "$URL")" 0
check "linger: the server holds exactly the expected ids" cmp -s <(server_docs "$URL" | cut -f2) "$WORK/small.ids"
check "linger: 3 bulk requests for $small_mails mails" eq "$(stat_of "$URL" bulk_requests)" 3
check "linger: every document created once" eq "$(stat_of "$URL" created)" 300
check "linger: every mail in cur/" eq "$(count_files "$WORK/small/cur")" "$small_mails"
check "linger: new/ is empty" eq "$(count_files "$WORK/small/new")" 0
check "linger: one mail_ingested line per mail" eq "$(grep -c 'event=mail_ingested' "$WORK/last.log")" "$small_mails"

# ---- attempts: retry_max_attempts under a 429 storm -------------------------
# One mail of 300 events = 3 batches of 100. The storm refuses the next 150
# items: batch 1 is refused whole (first answer), its resend has 50 refused
# a second time -> dead letters; everything else is stored.
server_call POST "$URL/_contract/reset" '{"item_status":{"status":429,"count":150}}' > /dev/null
new_maildir limited 300 1000000
write_config limited "elasticsearch.retry_max_attempts = 2"
check "attempts: exit 0" eq "$(ingest limited limited "$URL")" 0
server_docs "$URL" | cut -f2 > "$WORK/limited.stored"
dead_letters limited > "$WORK/limited.dead"
check "attempts: 250 documents stored" eq "$(wc -l < "$WORK/limited.stored")" 250
check "attempts: 50 dead letters" eq "$(wc -l < "$WORK/limited.dead")" 50
check "attempts: stored + dead letters = every event, none twice" \
  cmp -s <(cat "$WORK/limited.stored" <(cut -f1 "$WORK/limited.dead") | LC_ALL=C sort) "$WORK/limited.ids"
check "attempts: the dead letters are the first 50 events" \
  cmp -s <(cut -f1 "$WORK/limited.dead") <(head -n 50 "$WORK/limited.expected" | cut -f1 | LC_ALL=C sort)
check "attempts: every reason names the limit and Elasticsearch's answer" every_line_has "$WORK/limited.dead" \
  "gave up after 2 attempts (elasticsearch.retry_max_attempts): 429 es_rejected_execution_exception: "
check "attempts: the mail left new/" eq "$(count_files "$WORK/limited/new")" 0

server_call POST "$URL/_contract/reset" '{"item_status":{"status":429,"count":150}}' > /dev/null
new_maildir unlimited 300 1000000
write_config unlimited
check "no limit: exit 0" eq "$(ingest unlimited unlimited "$URL")" 0
check "no limit: the storm passes, all 300 stored" cmp -s <(server_docs "$URL" | cut -f2) "$WORK/unlimited.ids"
check "no limit: no dead letter" eq "$(dead_letters unlimited | wc -l)" 0

server_call POST "$URL/_contract/reset" '{"request_status":{"status":503,"count":3},"reset":{"count":2}}' > /dev/null
new_maildir outage 300 1000000
write_config outage "elasticsearch.retry_max_attempts = 1"
check "outage: exit 0" eq "$(ingest outage outage "$URL")" 0
check "outage: all 300 stored" cmp -s <(server_docs "$URL" | cut -f2) "$WORK/outage.ids"
check "outage: failed requests dead-letter nothing" eq "$(dead_letters outage | wc -l)" 0
check "outage: the core backed off and resent" contains "$WORK/last.log" "event=batch_retry"

# ---- failover and outage ----------------------------------------------------
# A port nothing listens on (free a moment ago).
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
server_call POST "$URL/_contract/reset" > /dev/null
new_maildir failover 300 1000000
write_config failover
DEAD_URL="http://127.0.0.1:$(free_port)"
check "failover: first host refuses, exit 0" eq "$(ingest failover failover "$DEAD_URL,$URL")" 0
check "failover: all stored on the second host" cmp -s <(server_docs "$URL" | cut -f2) "$WORK/failover.ids"
check "failover: the refusal was retried, not fatal" contains "$WORK/last.log" "$DEAD_URL/_bulk: Failed to connect"

# The daemon starts while the store is down, keeps the mail, and stores it
# once the store comes up (on the port it was configured with).
new_maildir daemon 200 1000000
write_config daemon
OUTAGE_PORT=$(free_port)
"$INGEST" --config "$WORK/daemon.conf" --maildir "$WORK/daemon" --store "http://127.0.0.1:$OUTAGE_PORT" \
  2> "$WORK/daemon-run.log" &
daemon_pid=$!
trap 'kill -KILL $daemon_pid 2>/dev/null || true; stop_servers; rm -rf "$WORK"' EXIT
wait_for() {  # wait_for SECONDS COMMAND...: polls until COMMAND succeeds
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    (( SECONDS < deadline )) || return 1
    sleep 0.05  # polling a condition, bounded by the deadline
  done
}
check "daemon: retries while the store is down" wait_for 30 grep -q "event=batch_retry" "$WORK/daemon-run.log"
check "daemon: the mail waits in new/" eq "$(count_files "$WORK/daemon/new")" 1
start_server late --port "$OUTAGE_PORT"
late_docs_complete() { cmp -s <(server_docs "http://127.0.0.1:$OUTAGE_PORT" | cut -f2) "$WORK/daemon.ids"; }
check "daemon: everything stored once the store is up" wait_for 60 late_docs_complete
daemon_new_empty() { [[ "$(count_files "$WORK/daemon/new")" == 0 ]]; }
check "daemon: the mail leaves new/" wait_for 30 daemon_new_empty
kill -TERM "$daemon_pid"
daemon_status=0
wait "$daemon_pid" || daemon_status=$?
check "daemon: exits 0 on SIGTERM" eq "$daemon_status" 0

# ---- auth: basic authentication from a password file -----------------------
start_server auth --basic "logpost:s3cret-Pa55"
AUTH_URL="http://127.0.0.1:$ES_PORT"
printf 'wrong-password\n' > "$WORK/wrong.pw"
printf 's3cret-Pa55\n' > "$WORK/right.pw"
new_maildir auth 100 1000000
write_config auth-wrong "elasticsearch.user = logpost" "elasticsearch.password_file = $WORK/wrong.pw"
check "auth: refused credentials: exit 69 (EX_UNAVAILABLE)" eq "$(ingest auth-wrong auth "$AUTH_URL")" 69
check "auth: refused credentials: the error says what to check" contains "$WORK/last.log" "elasticsearch.user/password_file"
check "auth: refused credentials: nothing stored, the mail kept" \
  eq "$(server_docs "$AUTH_URL" | wc -l) $(count_files "$WORK/auth/new")" "0 1"
# Relative key files resolve against the configuration file's directory.
write_config auth-right "elasticsearch.user = logpost" "elasticsearch.password_file = right.pw"
check "auth: right password: exit 0" eq "$(ingest auth-right auth "$AUTH_URL")" 0
check "auth: right password: stored" cmp -s <(server_docs "$AUTH_URL" | cut -f2) "$WORK/auth.ids"
check "auth: the runs logged" test -s "$WORK/all-runs.log"
check "auth: no password in any log" eq "$(cat "$WORK"/*.log | grep -c -e s3cret-Pa55 -e wrong-password || true)" 0

# ---- tls --------------------------------------------------------------------
# A throwaway CA and a server certificate for IP 127.0.0.1 only.
(
  cd "$WORK"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=logpost test CA" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
    -extfile server.ext 2>/dev/null
)
start_server tls --tls-cert "$WORK/server.pem" --tls-key "$WORK/server.key"
export ES_TEST_CA="$WORK/ca.pem"
TLS_URL="https://127.0.0.1:$ES_PORT"
new_maildir tls 300 6000
tls_mails=$(count_files "$WORK/tls/new")
write_config tls-system
check "tls: unknown CA: exit 78 (EX_CONFIG)" eq "$(ingest tls-system tls "$TLS_URL")" 78
check "tls: unknown CA: the error names the verification failure" contains "$WORK/last.log" "TLS certificate verification failed"
check "tls: unknown CA: the error names the keys to check" contains "$WORK/last.log" "elasticsearch.ca_file"
check "tls: unknown CA: nothing stored" eq "$(server_docs "$TLS_URL" | wc -l)" 0
check "tls: unknown CA: every mail still in new/" eq "$(count_files "$WORK/tls/new")" "$tls_mails"
write_config tls-ca "elasticsearch.ca_file = ca.pem"
check "tls: with ca_file: exit 0" eq "$(ingest tls-ca tls "$TLS_URL")" 0
check "tls: with ca_file: the same mails are all stored" cmp -s <(server_docs "$TLS_URL" | cut -f2) "$WORK/tls.ids"
check "tls: with ca_file: new/ is empty" eq "$(count_files "$WORK/tls/new")" 0

# setup-elasticsearch over the same verified connection: installs the ILM
# policy and the three templates, then a second run changes nothing.
setup() {  # setup OUTPUT_FILE
  "$INGEST" setup-elasticsearch --config "$WORK/tls-ca.conf" --store "$TLS_URL" > "$1" 2>> "$WORK/all-runs.log"
}
check "setup: first run exits 0" setup "$WORK/setup1.out"
check "setup: first run creates 4 resources" eq "$(grep -c ': created$' "$WORK/setup1.out")" 4
check "setup: the server holds the policy and the templates" eq \
  "$(server_call GET "$TLS_URL/_contract/stats" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["policies"]), len(d["templates"]))')" "1 3"
check "setup: second run exits 0" setup "$WORK/setup2.out"
check "setup: second run changes nothing" eq "$(grep -c ': unchanged$' "$WORK/setup2.out")" 4
check "setup: second run says so" contains "$WORK/setup2.out" "0 changed, 4 unchanged"

server_call POST "$TLS_URL/_contract/reset" > /dev/null
new_maildir mismatch 100 1000000
check "tls: host name not in the certificate: exit 78" eq "$(ingest tls-ca mismatch "https://localhost:$ES_PORT")" 78
check "tls: host name not in the certificate: named" contains "$WORK/last.log" "TLS certificate verification failed"
check "tls: host name not in the certificate: nothing stored, mail kept" \
  eq "$(server_docs "$TLS_URL" | wc -l) $(count_files "$WORK/mismatch/new")" "0 1"
write_config tls-off "elasticsearch.tls_verify = no"
check "tls: tls_verify = no (unknown CA and wrong name): exit 0" eq "$(ingest tls-off mismatch "https://localhost:$ES_PORT")" 0
check "tls: tls_verify = no: a warning is logged" contains "$WORK/last.log" "event=tls_verify_off"
check "tls: tls_verify = no: stored" cmp -s <(server_docs "$TLS_URL" | cut -f2) "$WORK/mismatch.ids"

exit $FAILED
