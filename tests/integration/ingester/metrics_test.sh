#!/usr/bin/env bash
# metrics_listen end to end: the daemon serves GET /metrics on a loopback
# port; after N mails arrive, polling /metrics (bounded deadline, no sleeps
# as synchronisation) shows exactly the events the store holds and the mails
# ingested; 404/405; a second daemon on the same port fails at start-up with
# exit 75; --once never opens the port; a public address is exit 78 with
# file:line; SIGTERM stops the daemon cleanly and closes the port.
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "curl not installed: skipping"; exit 77; }

fail() { echo "FAIL: $*"; echo "--- daemon log"; cat "$WORK"/daemon*.log 2>/dev/null || true; exit 1; }
DAEMON_PID=
trap '[[ -n "$DAEMON_PID" ]] && kill -KILL "$DAEMON_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

# The mails, built before the daemon starts (in a Maildir it does not watch).
mkdir -p "$WORK/out"/{new,cur,tmp}
gen_lines 300 1 > "$WORK/a.log"
gen_lines 200 2 > "$WORK/b.log"
mails_a=$("$MAKE_MAILS" --maildir "$WORK/out" --kind nginx-access --key-file "$WORK/acme.key" --file-id a \
  --prefix a --part-bytes 8000 --expected "$WORK/a.expected" "$WORK/a.log")
mails_b=$("$MAKE_MAILS" --maildir "$WORK/out" --kind nginx-access --key-file "$WORK/acme.key" --file-id b \
  --prefix b --part-bytes 8000 --expected "$WORK/b.expected" "$WORK/b.log")
mails=$((mails_a + mails_b))
events=$(cat "$WORK/a.expected" "$WORK/b.expected" | wc -l)
(( mails > 2 && events == 500 )) || fail "test data: $mails mails, $events events"

start_metrics_daemon "$WORK/ingest.conf" "$WORK/daemon.log" || fail "start-up"
grep -q "event=metrics_listening address=$ADDRESS path=/metrics" "$WORK/daemon.log" || fail "listening line"
metric_is logpost_ingest_events_stored_total 0 || fail "a fresh daemon reports stored events"
metric_is logpost_ingest_mails_waiting 0 || fail "mails_waiting before delivery"
headers=$(curl -sS --max-time 2 -D - -o /dev/null "http://$ADDRESS/metrics")
grep -qi '^Content-Type: text/plain; version=0.0.4' <<< "$headers" || fail "content type: $headers"
[[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$ADDRESS/")" == 404 ]] || fail "/ is not 404"
[[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://$ADDRESS/metrics")" == 405 ]] || fail "POST is not 405"

# A second daemon cannot take the port: a start-up error, exit 75.
status=0
"$INGEST" --config "$WORK/ingest.conf.metrics" --maildir "$MAILDIR" --store "sqlite:$WORK/other.sqlite" \
  2> "$WORK/second.log" || status=$?
[[ $status == 75 ]] || fail "second daemon on the same port: exit $status, expected 75: $(cat "$WORK/second.log")"
grep -q "event=startup_failed .*metrics_listen: bind $ADDRESS: .*in use" "$WORK/second.log" ||
  fail "second daemon's message: $(cat "$WORK/second.log")"

# Deliver (rename into new/, as an MDA does) and poll the endpoint.
for f in "$WORK/out/new"/*; do mv "$f" "$MAILDIR/new/"; done
all_stored() {
  metric_is logpost_ingest_events_stored_total "$events" && metric_is logpost_ingest_mails_ingested_total "$mails"
}
wait_for 60 all_stored || fail "metrics never reached $events events / $mails mails: $(scrape | grep -v '^#')"
metric_is logpost_ingest_events_in_total "$events" || fail "events_in_total"
metric_is logpost_ingest_mails_quarantined_total 0 || fail "mails_quarantined_total"
metric_is logpost_ingest_mails_waiting 0 || fail "mails_waiting after ingestion"
metric_is logpost_ingest_oldest_mail_age_seconds 0 || fail "oldest_mail_age_seconds after ingestion"
# The endpoint agrees with the store itself.
cut -f1 "$WORK/a.expected" "$WORK/b.expected" | LC_ALL=C sort > "$WORK/expected.ids"
stored_events | cut -f1 > "$WORK/stored.ids"
cmp -s "$WORK/expected.ids" "$WORK/stored.ids" || fail "store ids differ from the expected ids"

# Garbage with an old mtime: counted as quarantined, and the backlog gauges
# return to 0 once it has left new/.
printf 'garbage\r\n' > "$MAILDIR/tmp/g" && touch -d '2026-01-01' "$MAILDIR/tmp/g" && mv "$MAILDIR/tmp/g" "$MAILDIR/new/g.bad"
wait_for 30 metric_is logpost_ingest_mails_quarantined_total 1 || fail "garbage not counted as quarantined"
metric_is logpost_ingest_mails_waiting 0 || fail "mails_waiting after quarantine"

kill -TERM "$DAEMON_PID"
status=0
wait "$DAEMON_PID" || status=$?
DAEMON_PID=
[[ $status == 0 ]] || fail "exit status $status after SIGTERM"
grep -q 'event=stopped exit=0' "$WORK/daemon.log" || fail "no clean stop logged"
! curl -s --max-time 2 -o /dev/null "http://$ADDRESS/metrics" || fail "the port still answers after the daemon stopped"

# --once never opens the port (nothing could scrape it in time).
status=0
"$INGEST" --config "$WORK/ingest.conf.metrics" --maildir "$MAILDIR" --store "sqlite:$STORE" --once 2> "$WORK/once.log" ||
  status=$?
[[ $status == 0 ]] || fail "--once exit $status"
! grep -q 'metrics_listening' "$WORK/once.log" || fail "--once opened the metrics port"

# A public address is a configuration error naming the line.
{ cat "$WORK/ingest.conf"; echo "metrics_listen = 0.0.0.0:$PORT"; } > "$WORK/public.conf"
status=0
"$INGEST" --config "$WORK/public.conf" --maildir "$MAILDIR" --store "sqlite:$STORE" 2> "$WORK/public.log" || status=$?
[[ $status == 78 ]] || fail "public address: exit $status, expected 78"
line=$(grep -c '' "$WORK/public.conf")
grep -q "public.conf:$line: metrics_listen: '0.0.0.0:$PORT': 0.0.0.0 listens on every interface" "$WORK/public.log" ||
  fail "public address message: $(cat "$WORK/public.log")"
echo "PASS: /metrics showed $events events and $mails mails stored (= the store), 404/405, port conflict exit 75, --once without port, 0.0.0.0 exit 78, clean SIGTERM"
