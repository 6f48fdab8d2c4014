#!/usr/bin/env bash
# batch_linger in the daemon (batch_linger = 4s, rescan_interval 60s):
#   - a mail that is read waits in new/ with nothing stored; a second mail
#     arriving within the linger joins its batch: both are stored by one
#     write (logpost_ingest_batches_total = 1) and leave new/ together;
#   - a lone mail is written once its linger is over, long before the next
#     rescan: the daemon's wait is bounded by the time left on the linger;
#   - SIGTERM with a batch pending writes it, moves its mail to cur/, exit 0.
# Waits are polls with a deadline, never fixed sleeps.
BATCH_EVENTS=1000
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "curl not installed: skipping"; exit 77; }

fail() { echo "FAIL: $*"; echo "--- daemon log"; cat "$WORK/daemon.log" 2>/dev/null || true; exit 1; }
DAEMON_PID=
trap '[[ -n "$DAEMON_PID" ]] && kill -KILL "$DAEMON_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

LINGER_S=4
{ cat "$WORK/ingest.conf"; echo "batch_linger = ${LINGER_S}s"; } > "$WORK/linger.conf"

# One single-part mail per log, built outside the watched Maildir.
mkdir -p "$WORK/out"/{new,cur,tmp}
make_mail() {  # make_mail NAME LINES SEED
  gen_lines "$2" "$3" > "$WORK/$1.log"
  "$MAKE_MAILS" --maildir "$WORK/out" --kind nginx-access --part-bytes 1000000 --key-file "$WORK/acme.key" \
    --file-id "$1" --prefix "$1" "$WORK/$1.log" > /dev/null
}
make_mail a 20 1
make_mail b 30 2
make_mail c 10 3
make_mail d 5 4
deliver() { ln "$WORK/out/new/$1.1.logpost-test" "$MAILDIR/new/$1.1.logpost-test"; }
stored() { sqlite3 -readonly "$STORE" 'SELECT COUNT(*) FROM events' 2>/dev/null || echo 0; }
events_are() { [[ "$(stored)" == "$1" ]]; }
in_new() { ls "$MAILDIR/new" | sort | tr '\n' ' '; }
now_ms() { date +%s%3N; }

start_metrics_daemon "$WORK/linger.conf" "$WORK/daemon.log" || fail "start-up"

# ---- a second mail joins the first mail's batch
deliver a
wait_for 20 metric_is logpost_ingest_events_in_total 20 || fail "mail a not read"
t_a=$(now_ms)
[[ "$(stored)" == 0 ]] || fail "mail a was written at once ($(stored) events), not held for the linger"
[[ "$(in_new)" == "a.1.logpost-test " ]] || fail "mail a left new/ before its batch was written: $(in_new)"
deliver b
wait_for 20 metric_is logpost_ingest_events_in_total 50 || fail "mail b not read"
(( $(now_ms) - t_a < LINGER_S * 1000 )) || fail "precondition: mail b was read after the linger (host too slow)"
[[ "$(stored)" == 0 ]] || fail "the batch was written before b joined it"
wait_for 20 events_are 50 || fail "the batch of a and b was not written"
metric_is logpost_ingest_batches_total 1 || fail "a and b took $(metric logpost_ingest_batches_total) writes, expected 1"
[[ "$(sqlite3 -readonly "$STORE" 'SELECT COUNT(*) FROM mails WHERE batches = 1 AND done_us IS NOT NULL')" == 2 ]] ||
  fail "ledger: a and b not recorded as done in one batch"
wait_for 10 metric_is logpost_ingest_mails_ingested_total 2 || fail "mails_ingested is not 2"
[[ -z "$(in_new)" ]] || fail "new/ not empty after the batch: $(in_new)"
echo "ok: a second mail within the linger joined the first mail's batch (1 write for 2 mails)"

# ---- a lone mail is written when its linger is over
deliver c
wait_for 20 metric_is logpost_ingest_events_in_total 60 || fail "mail c not read"
t_c=$(now_ms)
[[ "$(stored)" == 50 ]] || fail "mail c was written at once"
wait_for 20 events_are 60 || fail "the lone mail was not written within 20s (rescan_interval is 60s)"
waited=$(( $(now_ms) - t_c ))
(( waited >= LINGER_S * 1000 - 1000 )) || fail "the lone mail was written after ${waited}ms, before its linger"
metric_is logpost_ingest_batches_total 2 || fail "batches_total is not 2"
wait_for 10 metric_is logpost_ingest_mails_ingested_total 3 || fail "mails_ingested is not 3"
echo "ok: a lone mail was written ${waited}ms after it was read (linger ${LINGER_S}s)"

# ---- SIGTERM writes the pending batch
deliver d
wait_for 20 metric_is logpost_ingest_events_in_total 65 || fail "mail d not read"
[[ "$(stored)" == 60 ]] || fail "mail d was written at once"
kill -TERM "$DAEMON_PID"
status=0
wait "$DAEMON_PID" || status=$?
DAEMON_PID=
[[ $status == 0 ]] || fail "exit status $status after SIGTERM"
[[ "$(stored)" == 65 ]] || fail "the pending batch was not written at SIGTERM ($(stored) events)"
[[ -z "$(in_new)" ]] || fail "mail d still in new/ after SIGTERM"
[[ "$(sqlite3 -readonly "$STORE" 'SELECT COUNT(*) FROM mails WHERE done_us IS NOT NULL')" == 4 ]] ||
  fail "ledger does not hold 4 done mails"
echo "PASS: linger batches across mails, expires on time, and is written at SIGTERM"
