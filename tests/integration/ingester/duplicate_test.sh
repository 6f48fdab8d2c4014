#!/usr/bin/env bash
# Duplicates: the same mail delivered twice (SMTP can), a shipment re-sent
# with other part sizes (the shipper re-spooling), and a second ingester run
# over the same store: every event is stored exactly once.
source "$(dirname "$0")/lib.sh"

gen_lines 3000 7 > "$WORK/access.log"
"$MAKE_MAILS" --maildir "$MAILDIR" --kind nginx-access --part-bytes 20000 --key-file "$WORK/acme.key" \
  --file-id "9:9:9:9:dup" --prefix first --expected "$WORK/expected" "$WORK/access.log" > /dev/null
# Deliver every mail a second time under a new name (what a duplicate SMTP delivery looks like).
for m in "$MAILDIR"/new/*; do cp "$m" "$MAILDIR/tmp/x" && mv "$MAILDIR/tmp/x" "$MAILDIR/new/$(basename "$m").again"; done
# The same file shipped again with another part size: same shipment id, same offsets.
"$MAKE_MAILS" --maildir "$MAILDIR" --kind nginx-access --part-bytes 7000 --key-file "$WORK/acme.key" \
  --file-id "9:9:9:9:dup" --prefix resent "$WORK/access.log" > /dev/null
LC_ALL=C sort -o "$WORK/expected" "$WORK/expected"
"$INGEST" --config "$WORK/ingest.conf" --maildir "$MAILDIR" --store "sqlite:$STORE" --once --quiet --stats
# Everything again, into the same store.
for m in "$MAILDIR"/cur/*; do n=$(basename "$m"); cp "$m" "$MAILDIR/new/${n%%:2,S}.third"; done
"$INGEST" --config "$WORK/ingest.conf" --maildir "$MAILDIR" --store "sqlite:$STORE" --once --quiet --stats

stored_events > "$WORK/stored"
fail=0
cmp -s "$WORK/expected" "$WORK/stored" || { echo "FAIL: store differs"; diff "$WORK/expected" "$WORK/stored" | head; fail=1; }
[[ -z "$(ls -A "$MAILDIR/new")" ]] || { echo "FAIL: new/ not empty"; fail=1; }
(( fail == 0 )) && echo "PASS: $(wc -l < "$WORK/stored") events stored once from $(ls "$MAILDIR/cur" | wc -l) mails"
exit $fail
