#!/usr/bin/env bash
# Disk full: the SQLite store (and its ledger, in the same file) lives on a
# small tmpfs that fills up during ingestion. What must happen:
# 1. --once: the batch that cannot be written is retried, then the mail is
#    deferred: exit 75, a mail_deferred line naming "database or disk is
#    full", the mail stays in new/, nothing is quarantined, every mail moved
#    to cur/ is completely stored and recorded, no mail left in new/ is
#    recorded as done, the database stays consistent.
# 2. The daemon on the still-full store stays up, counts the deferrals on
#    /metrics, and finishes by itself once room is made (the filler file
#    this test created is deleted): no restart needed.
# 3. The store then holds exactly the expected event ids, once each; new/
#    is empty; a further --once run changes nothing.
# Needs root and mount(2) (tmpfs); without them the test is skipped (77).
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "curl not installed: skipping"; exit 77; }

SMALL="$WORK/small"
mkdir -p "$SMALL"
DAEMON_PID=
cleanup() {  # on every exit path: no daemon holding the mount, no mount left behind
  set +e        # errexit would end the handler at the killed daemon's status
  if [[ -n "$DAEMON_PID" ]]; then
    kill -KILL "$DAEMON_PID" 2>/dev/null
    wait "$DAEMON_PID" 2>/dev/null
  fi
  if mountpoint -q "$SMALL"; then
    umount "$SMALL" || umount -l "$SMALL"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
if ! mount -t tmpfs -o size=16m,mode=0700 tmpfs "$SMALL" 2> "$WORK/mount.err"; then
  echo "cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN in this container): $(cat "$WORK/mount.err"); skipping"
  exit 77
fi
STORE="$SMALL/store.sqlite"
fail() { echo "FAIL: $*"; echo "--- logs"; cat "$WORK"/*.log 2>/dev/null || true; exit 1; }
q() { sqlite3 -readonly "$STORE" "$1"; }
listing() { ls -A "$MAILDIR/$1" | sed 's/:2,S$//' | LC_ALL=C sort; }
echo "retry_give_up = 1s" >> "$WORK/ingest.conf"

# 3000 access-log lines in 7 mails (about 4 MB in the WAL: much more than
# the room left below).
gen_lines 3000 7 > "$WORK/a.log"
mails=$("$MAKE_MAILS" --maildir "$MAILDIR" --kind nginx-access --key-file "$WORK/acme.key" --file-id a \
  --prefix a --part-bytes 40000 --expected "$WORK/a.expected" "$WORK/a.log")
(( mails >= 5 )) || fail "test data: $mails mails"
cut -f1 "$WORK/a.expected" | LC_ALL=C sort > "$WORK/expected.ids"

# Create the store with room, then fill the filesystem up to 1 MiB of it
# (room for one mail and part of the next).
mkdir -p "$WORK/empty"/{new,cur,tmp}
"$INGEST" --config "$WORK/ingest.conf" --maildir "$WORK/empty" --store "sqlite:$STORE" --once 2> "$WORK/create.log" ||
  fail "creating the store"
avail_kb=$(df -k --output=avail "$SMALL" | tail -1)
dd if=/dev/zero of="$SMALL/filler" bs=1k count=$((avail_kb - 1024)) status=none || fail "writing the filler"

# 1. --once against the filling disk.
status=0
"$INGEST" --config "$WORK/ingest.conf" --maildir "$MAILDIR" --store "sqlite:$STORE" --once --stats \
  > "$WORK/once.stats" 2> "$WORK/once.log" || status=$?
[[ $status == 75 ]] || fail "--once on a full disk: exit $status, expected 75"
grep -q 'event=mail_deferred mail=a\.[0-9]*\.logpost-test reason=".*database or disk is full' "$WORK/once.log" ||
  fail "no mail_deferred line naming the full disk"
grep -q 'event=batch_retry' "$WORK/once.log" || fail "the failing batch was not retried before deferring"
[[ -n "$(listing new)" ]] || fail "every mail left new/ although the disk was full"
[[ -n "$(listing cur)" ]] || fail "not even the first mail fit: the test did not exercise a mid-run fill"
[[ -z "$(ls -A "$MAILDIR/.Quarantine/cur")" ]] || fail "a mail was quarantined for a full disk"
(( $(listing new | wc -l) + $(listing cur | wc -l) == mails )) || fail "mails lost: new/ + cur/ != $mails"
q 'SELECT name FROM mails WHERE done_us IS NOT NULL' | LC_ALL=C sort > "$WORK/done.names"
diff <(listing cur) "$WORK/done.names" > /dev/null || fail "ledger 'done' differs from cur/"
for name in $(listing cur); do  # a mail in cur/ is stored completely
  [[ "$(q "SELECT COUNT(*) FROM events WHERE mail_name = '$name'")" == "$(q "SELECT events FROM mails WHERE name = '$name'")" ]] ||
    fail "mail $name is in cur/ but not all its events are stored"
done
stored_before=$(q 'SELECT COUNT(*) FROM events')
(( stored_before < $(wc -l < "$WORK/expected.ids") )) || fail "everything fit: the disk never filled"
comm -23 <(stored_events | cut -f1) "$WORK/expected.ids" | grep -q . && fail "unexpected ids stored"
[[ "$(q 'PRAGMA integrity_check')" == ok ]] || fail "integrity_check after the full disk"
grep -q ' mails_deferred=1 ' "$WORK/once.stats" || fail "--stats: $(cat "$WORK/once.stats")"

# 2. The daemon on the still-full disk: it stays up and counts deferrals...
start_metrics_daemon "$WORK/ingest.conf" "$WORK/daemon.log" || fail "daemon start-up"
wait_for 30 metric_at_least logpost_ingest_mails_deferred_total 2 || fail "no deferrals counted"
metric_at_least logpost_ingest_retries_total 1 || fail "no retries counted"
metric_at_least logpost_ingest_mails_waiting 1 || fail "mails_waiting while the disk is full"
kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon exited on a full disk"
# ... and finishes once room is made.
rm "$SMALL/filler"
new_empty() { [[ -z "$(ls -A "$MAILDIR/new")" ]]; }
wait_for 60 new_empty || fail "new/ not emptied after making room"
wait_for 10 metric_is logpost_ingest_mails_waiting 0 || fail "mails_waiting after recovery"
kill -TERM "$DAEMON_PID"
status=0
wait "$DAEMON_PID" || status=$?
DAEMON_PID=
[[ $status == 0 ]] || fail "daemon exit $status after SIGTERM"

# 3. Exactly the expected events, once each; every mail recorded once.
stored_events | cut -f1 > "$WORK/stored.ids"
cmp -s "$WORK/expected.ids" "$WORK/stored.ids" || fail "stored ids differ from the expected ids"
[[ "$(q 'SELECT COUNT(*) FROM mails WHERE done_us IS NOT NULL')" == "$mails" ]] || fail "ledger mail count"
[[ "$(q 'SELECT COUNT(*) FROM dead_letters')" == 0 ]] || fail "dead letters after a full disk"
(( $(listing cur | wc -l) == mails )) || fail "cur/ does not hold every mail"
[[ "$(q 'PRAGMA integrity_check')" == ok ]] || fail "integrity_check after recovery"
"$INGEST" --config "$WORK/ingest.conf" --maildir "$MAILDIR" --store "sqlite:$STORE" --once 2> "$WORK/again.log" ||
  fail "a further --once run failed"
stored_events | cut -f1 | cmp -s "$WORK/expected.ids" - || fail "a further run changed the store"
echo "PASS: disk full: exit 75 with $stored_before of $(wc -l < "$WORK/expected.ids") events stored and the rest deferred in new/;" \
  "the daemon rode out the full disk and stored exactly the expected ids once room was made"
