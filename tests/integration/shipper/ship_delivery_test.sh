#!/usr/bin/env bash
# logpost-ship against a real (private) Postfix: every part arrives, the
# reassembled content is byte-identical to the input (plain and .gz, access
# and slow logs, single- and multi-part), a repeated hook sends nothing, an
# MTA outage spools (exit 75) and --flush delivers each part exactly once,
# and a 5xx lands in failed/ with the reply (exit 69).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

gen_access 3000 "$T/in/access.log"
gen_slow 4000 "$T/in/slow.log"
gen_slow 5 "$T/in/small-slow.log"
gen_access 2000 "$T/in/old-access.log"
gzip -6 -c "$T/in/old-access.log" >"$T/in/access.log.2.gz"

step "ship access (multi-part) and a .gz in one call (logrotate sharedscripts)"
ship --kind nginx-access --verbose "$T/in/access.log" "$T/in/access.log.2.gz"
expect_rc 0
n1=$(accepted_count)
((n1 >= 4)) || fail "expected several parts for a 64k mail limit, got $n1"

step "ship slow logs (multi-part and single-part)"
ship --kind mysql-slow --verbose "$T/in/slow.log" "$T/in/small-slow.log"
expect_rc 0
n2=$(accepted_count)
total=$((n1 + n2))
"$PF" wait-delivered "$T/pf" "$total" 60 || fail "not all $total parts delivered"

step "decode, verify signatures, reassemble"
"$REASSEMBLE" "$T/pf/maildir/new" "$T/out/1" "$T/key" >"$T/out/1.txt" || fail "reassembly failed"
cat "$T/out/1.txt"
[[ $(wc -l <"$T/out/1.txt") == 4 ]] || fail "expected 4 shipments"
check_source() {  # SOURCE_PATH EXPECTED_CONTENT_FILE
    local id
    id=$(awk -v s="$1" '$5 == s {print $1}' "$T/out/$3.txt")
    [[ -n "$id" ]] || fail "no shipment for $1"
    cmp "$T/out/$3/$id.content" "$2" || fail "content of $1 differs from the input"
}
check_source "$T/in/access.log" "$T/in/access.log" 1
check_source "$T/in/slow.log" "$T/in/slow.log" 1
check_source "$T/in/small-slow.log" "$T/in/small-slow.log" 1
check_source "$T/in/access.log.2.gz" "$T/in/old-access.log" 1
# Slow-log parts never split an entry when every entry fits a part: no cut flags.
grep -q "inside-entry" "$T/out/1.txt" && fail "a slow-log entry was cut although all fit in a part"
archive_maildir phase1

step "running the hook again sends nothing"
ship --kind mysql-slow --verbose "$T/in/slow.log"
expect_rc 0
grep -q "already shipped" <<<"$OUT" || fail "no 'already shipped' notice"
[[ $(accepted_count) == 0 ]] || fail "sent again"
"$PF" wait-queue-empty "$T/pf" 30
[[ $(new_count) == 0 ]] || fail "mail arrived although nothing was sent"

step "--force sends again with the same Message-IDs"
ship --kind mysql-slow --force --verbose "$T/in/small-slow.log"
expect_rc 0
"$PF" wait-delivered "$T/pf" 1 30
mid_new=$(grep -h '^Message-ID:' "$T/pf/maildir/new"/* | tr -d '\r')
grep -qhF "$mid_new" "$T/archive/phase1"/* || fail "re-sent part has a new Message-ID: $mid_new"
archive_maildir phase2

step "MTA down: the parts are spooled, exit 75"
"$PF" stop "$T/pf"
gen_access 5000 "$T/in/later.log"
ship --kind apache-access "$T/in/later.log"
expect_rc 75
spooled=$(find "$T/spool/outgoing" -name '*.eml' | wc -l)
((spooled >= 2)) || fail "expected the parts in the spool, found $spooled"
grep -q "kept in the spool" <<<"$OUT" || fail "no clear message about spooling"

step "--flush with the MTA still down keeps everything, exit 75"
ship --flush
expect_rc 75
[[ $(find "$T/spool/outgoing" -name '*.eml' | wc -l) == "$spooled" ]] || fail "spool changed"

step "MTA back: --flush delivers each part exactly once"
"$PF" start "$T/pf" >/dev/null
ship --flush --verbose
expect_rc 0
[[ $(accepted_count) == "$spooled" ]] || fail "flush accepted $(accepted_count) of $spooled"
[[ $(find "$T/spool/outgoing" -name '*.eml' | wc -l) == 0 ]] || fail "spool not empty after flush"
"$PF" wait-delivered "$T/pf" "$spooled" 60
ship --flush
expect_rc 0
"$PF" wait-queue-empty "$T/pf" 30
[[ $(new_count) == "$spooled" ]] || fail "expected exactly $spooled mails, got $(new_count)"
"$REASSEMBLE" "$T/pf/maildir/new" "$T/out/3" "$T/key" >"$T/out/3.txt" || fail "reassembly failed"
check_source "$T/in/later.log" "$T/in/later.log" 3
archive_maildir phase3

step "permanent rejection (550 unknown recipient): failed/ with the reply, exit 69"
gen_access 10 "$T/in/tiny.log"
ship --kind nginx-access --to nobody@logpost.test "$T/in/tiny.log"
expect_rc 69
grep -q "REJECTED" <<<"$OUT" || fail "rejection not reported loudly"
reason=$(find "$T/spool/failed" -name '*.reason' | head -1)
[[ -n "$reason" ]] || fail "no .reason in failed/"
grep -q "^550" "$reason" || fail "reason does not hold the 550 reply: $(cat "$reason")"
[[ -f "${reason%.reason}.eml" ]] || fail "the rejected mail is not in failed/"
[[ $(find "$T/spool/outgoing" -name '*.eml' | wc -l) == 0 ]] || fail "rejected mail left in outgoing/"

step "inputs untouched"
[[ -f "$T/in/access.log" && -f "$T/in/access.log.2.gz" && -f "$T/in/slow.log" ]] || fail "an input disappeared"
echo "PASS"
