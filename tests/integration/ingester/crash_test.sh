#!/usr/bin/env bash
# Crash test: a few hundred mails, logpost-ingest killed with SIGKILL at
# random moments and restarted twenty times, then run to completion. At the
# end the store holds exactly the expected events (ids and messages compared
# with lists computed by the mail builder from the raw files, not by the
# ingester), nothing twice, nothing lost, and new/ is empty.
source "$(dirname "$0")/lib.sh"

expected="$WORK/expected"
: > "$expected"
for f in 1 2 3; do
  gen_lines 4000 "$f" > "$WORK/access-$f.log"
  "$MAKE_MAILS" --maildir "$MAILDIR" --kind nginx-access --part-bytes 4000 --key-file "$WORK/acme.key" \
    --source "/var/log/nginx/access-$f.log.1" --file-id "1:$f:0:0:crash" --prefix "crash$f" \
    --expected "$WORK/expected-$f" "$WORK/access-$f.log" > /dev/null
  cat "$WORK/expected-$f" >> "$expected"
done
LC_ALL=C sort -o "$expected" "$expected"
mails=$(ls "$MAILDIR/new" | wc -l)
echo "delivered $mails mails, $(wc -l < "$expected") expected events"
(( mails >= 200 )) || { echo "FAIL: too few mails ($mails)"; exit 1; }

RANDOM=4242
kills=0
for round in $(seq 1 20); do
  "$INGEST" --config "$WORK/ingest.conf" --maildir "$MAILDIR" --store "sqlite:$STORE" --once --quiet \
    2>> "$WORK/ingest.log" &
  pid=$!
  # Fault injection, not synchronisation: let it run a random 0-299 ms.
  sleep "0.$(printf '%03d' $((RANDOM % 300)))"
  if kill -KILL "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
  wait "$pid" 2>/dev/null || true
  left=$(ls "$MAILDIR/new" | wc -l)
  echo "round $round: $left mails left in new/"
  (( left > 0 )) || break
done
echo "killed $kills times"

"$INGEST" --config "$WORK/ingest.conf" --maildir "$MAILDIR" --store "sqlite:$STORE" --once --quiet --stats \
  > "$WORK/stats" 2>> "$WORK/ingest.log"
cat "$WORK/stats"

fail=0
if [[ -n "$(ls -A "$MAILDIR/new")" ]]; then echo "FAIL: new/ is not empty"; fail=1; fi
if [[ -n "$(ls -A "$MAILDIR/.Quarantine/cur")" ]]; then echo "FAIL: mails were quarantined"; fail=1; fi
stored_events > "$WORK/stored"
if ! cmp -s "$expected" "$WORK/stored"; then
  echo "FAIL: store differs from expected events:"
  diff "$expected" "$WORK/stored" | head -20
  fail=1
fi
dups=$(sqlite3 -readonly "$STORE" "SELECT COUNT(*) - COUNT(DISTINCT log_offset || shipment_id) FROM events")
[[ "$dups" == 0 ]] || { echo "FAIL: $dups duplicated source offsets"; fail=1; }
done_mails=$(sqlite3 -readonly "$STORE" "SELECT COUNT(*) FROM mails WHERE done_us IS NOT NULL")
[[ "$done_mails" == "$mails" ]] || { echo "FAIL: ledger has $done_mails of $mails mails"; fail=1; }
(( fail == 0 )) && echo "PASS: $(wc -l < "$WORK/stored") events, exactly as expected, after $kills kills"
exit $fail
