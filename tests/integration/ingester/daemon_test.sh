#!/usr/bin/env bash
# The daemon: picks up mail linked into new/ (as Postfix does) and renamed
# into new/, quarantines garbage, and exits 0 on SIGTERM. Waits are polls
# with a deadline, never fixed sleeps.
source "$(dirname "$0")/lib.sh"

new_empty() { [[ -z "$(ls -A "$MAILDIR/new")" ]]; }
events_are() { [[ "$(sqlite3 -readonly "$STORE" 'SELECT COUNT(*) FROM events' 2>/dev/null)" == "$1" ]]; }

"$INGEST" --config "$WORK/ingest.conf" --maildir "$MAILDIR" --store "sqlite:$STORE" 2> "$WORK/daemon.log" &
pid=$!
trap 'kill -KILL $pid 2>/dev/null || true; rm -rf "$WORK"' EXIT
wait_for 10 grep -q 'event=started' "$WORK/daemon.log" || { echo "FAIL: daemon did not start"; cat "$WORK/daemon.log"; exit 1; }

mkdir -p "$WORK/out"/{new,cur,tmp}
gen_lines 100 1 > "$WORK/a.log"
"$MAKE_MAILS" --maildir "$WORK/out" --kind nginx-access --key-file "$WORK/acme.key" --file-id a --prefix a "$WORK/a.log" > /dev/null
# Postfix style: the finished file is hard-linked into new/ (IN_CREATE).
ln "$WORK/out/new/a.1.logpost-test" "$MAILDIR/new/a.1.logpost-test"
wait_for 20 events_are 100 || { echo "FAIL: linked mail not ingested"; cat "$WORK/daemon.log"; exit 1; }

gen_lines 50 2 > "$WORK/b.log"
"$MAKE_MAILS" --maildir "$MAILDIR" --kind nginx-access --key-file "$WORK/acme.key" --file-id b --prefix b "$WORK/b.log" > /dev/null
printf 'garbage\r\n' > "$MAILDIR/tmp/c" && mv "$MAILDIR/tmp/c" "$MAILDIR/new/c.garbage"
wait_for 20 events_are 150 || { echo "FAIL: renamed mail not ingested"; cat "$WORK/daemon.log"; exit 1; }
wait_for 20 new_empty || { echo "FAIL: new/ not emptied"; exit 1; }
[[ -f "$MAILDIR/.Quarantine/reasons/c.garbage.txt" ]] || { echo "FAIL: garbage not quarantined"; exit 1; }

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[[ $status == 0 ]] || { echo "FAIL: exit status $status after SIGTERM"; cat "$WORK/daemon.log"; exit 1; }
grep -q 'event=stopped' "$WORK/daemon.log" || { echo "FAIL: no clean stop logged"; exit 1; }
echo "PASS: daemon ingested linked and renamed mail, quarantined garbage, stopped on SIGTERM"
