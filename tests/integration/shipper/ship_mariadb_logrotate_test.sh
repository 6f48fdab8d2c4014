#!/usr/bin/env bash
# The MariaDB slow-log logrotate example (deploy/logrotate/logpost-mariadb-slow)
# under the real logrotate against a private MariaDB (tests/tools/private-mariadb):
# postrotate flushes the slow log, then ships the rotated .1; the shipment
# holds every statement logged before the rotation, byte-identical to the
# rotated file, and none logged after it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v logrotate >/dev/null || skip "logrotate is not installed"
command -v mariadbd >/dev/null || [[ -x /usr/sbin/mariadbd ]] || skip "mariadb-server is not installed"
DB="$LOGPOST_SOURCE_DIR/tests/tools/private-mariadb"
[[ -x "$DB" ]] || skip "tests/tools/private-mariadb absent"

mkdir -p "$T/db"
"$DB" start "$T/db" >/dev/null || fail "private MariaDB did not start"
trap '"$DB" stop "$T/db" >/dev/null 2>&1 || true; cleanup' EXIT
sock="$("$DB" socket "$T/db")"
"$DB" sql "$T/db" "SELECT 'marker-before-rotation', SLEEP(0)" >/dev/null
"$DB" sql "$T/db" "SELECT COUNT(*) FROM information_schema.tables WHERE table_name LIKE 'marker-two%'" >/dev/null

sed -e "s|/var/log/mysql/mariadb-slow.log|$T/db/slow.log|g" \
    -e "s|/run/mysqld/mysqld.sock|$sock|g" \
    -e "s|/usr/bin/mariadb --batch|/usr/bin/mariadb --socket=$sock --user=root --batch|" \
    -e "s|/usr/bin/logpost-ship|$SHIP --config $T/ship.conf|" \
    "$LOGPOST_SOURCE_DIR/deploy/logrotate/logpost-mariadb-slow" >"$T/logrotate.conf"

step "logrotate -f with the example"
logrotate -f -v -s "$T/logrotate.state" "$T/logrotate.conf" >"$T/logrotate.out" 2>&1 || {
    cat "$T/logrotate.out"
    fail "logrotate failed"
}
"$DB" sql "$T/db" "SELECT 'marker-after-rotation'" >/dev/null
[[ -f "$T/db/slow.log.1.gz" ]] || fail "rotated slow log not compressed after the hook"
"$PF" wait-delivered "$T/pf" 1 60
"$PF" wait-queue-empty "$T/pf" 60
"$REASSEMBLE" "$T/pf/maildir/new" "$T/out/db" "$T/key" >"$T/out/db.txt" || fail "reassembly failed"
cat "$T/out/db.txt"
[[ $(wc -l <"$T/out/db.txt") == 1 ]] || fail "expected one shipment"
content=("$T/out/db"/*.content)
zcat "$T/db/slow.log.1.gz" | cmp - "${content[0]}" || fail "shipment differs from the rotated file"
grep -q "marker-before-rotation" "${content[0]}" || fail "a statement logged before the rotation is missing"
grep -q "marker-two" "${content[0]}" || fail "the last statement before the rotation is missing"
if grep -q "marker-after-rotation" "${content[0]}"; then fail "a statement after the rotation was shipped"; fi
grep -q "marker-after-rotation" "$T/db/slow.log" || fail "the server did not reopen its slow log"
echo "PASS"
