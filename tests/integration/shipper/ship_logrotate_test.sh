#!/usr/bin/env bash
# The nginx logrotate example (deploy/logrotate/logpost-nginx) run by the real
# logrotate against logs in a temp dir: postrotate ships the uncompressed
# access log .1 (compression comes after postrotate), error logs are not
# shipped, the delivered content equals the log as it was before rotation,
# and a second forced rotation of an empty log ships nothing twice.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v logrotate >/dev/null || skip "logrotate is not installed"

logs="$T/logs"
mkdir -p "$logs"
gen_access 4000 "$logs/access.log"
gen_access 300 "$logs/shop.access.log"
echo "2026/11/21 06:00:00 [error] 1#1: not shipped" >"$logs/error.log"
cp "$logs/access.log" "$T/in/access.expected"
cp "$logs/shop.access.log" "$T/in/shop.expected"

# The example, with only the paths and the daemon signal replaced.
sed -e "s|/var/log/nginx|$logs|g" \
    -e "s|/usr/bin/logpost-ship|$SHIP --config $T/ship.conf|" \
    -e "s|invoke-rc.d nginx rotate.*|true|" \
    -e "s|create 0640 www-data adm|create 0640 root root|" \
    "$LOGPOST_SOURCE_DIR/deploy/logrotate/logpost-nginx" >"$T/logrotate.conf"
grep -q "logpost-ship\|$SHIP" "$T/logrotate.conf" || fail "example has no logpost-ship hook"

step "logrotate -f with the example"
logrotate -f -v -s "$T/logrotate.state" "$T/logrotate.conf" >"$T/logrotate.out" 2>&1 || {
    cat "$T/logrotate.out"
    fail "logrotate failed"
}
[[ -f "$logs/access.log.1.gz" ]] || fail "rotated log not compressed after the hook"
[[ ! -s "$logs/access.log" ]] || fail "new log not empty"

parts=$(find "$T/spool/outgoing" -name '*.eml' | wc -l)
((parts == 0)) || fail "$parts parts left in the spool"
"$PF" wait-queue-empty "$T/pf" 60
n=$(new_count)
((n >= 2)) || fail "expected the two access logs, got $n mails"
"$REASSEMBLE" "$T/pf/maildir/new" "$T/out/lr" "$T/key" >"$T/out/lr.txt" || fail "reassembly failed"
cat "$T/out/lr.txt"
[[ $(wc -l <"$T/out/lr.txt") == 2 ]] || fail "expected exactly 2 shipments (no error log)"
for want in access shop; do
    sum=$(sha256sum <"$T/in/$want.expected" | cut -d' ' -f1)
    ok=0
    for c in "$T/out/lr"/*.content; do [[ $(sha256sum <"$c" | cut -d' ' -f1) == "$sum" ]] && ok=1; done
    ((ok)) || fail "$want log not delivered byte-identical"
done
grep -q "/access.log.1$" "$T/out/lr.txt" || fail "source is not the uncompressed .1"
echo "PASS"
