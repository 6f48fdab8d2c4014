#!/usr/bin/env bash
# private_mariadb_test.sh — tests/tools/private-mariadb does what its header
# promises: a server that answers on its own socket with no TCP port, logs
# every statement to DIR/slow.log, reopens the slow log after a rename plus
# flush-slow-log (what logrotate's postrotate does), survives a stop/start
# with its data, and leaves no process behind after `stop`.
# Exit: 0 pass, 1 fail, 77 skip (mariadb-server not installed).
set -euo pipefail

src=${LOGPOST_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
pm=$src/tests/tools/private-mariadb
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || { echo "SKIP: mariadb-server not installed"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/logpost-pm.XXXXXX")
chmod 755 "$tmp"
db=$tmp/db
trap '"$pm" stop "$db" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT

failures=0
check() {
  local what=$1
  shift
  if "$@"; then echo "ok   - $what"; else echo "FAIL - $what"; failures=$((failures + 1)); fi
}
eq() { [ "$1" = "$2" ] || { echo "     expected '$2', got '$1'" >&2; return 1; }; }

"$pm" start "$db"
pid=$(cat "$db/mariadbd.pid")
check "the server answers" "$pm" status "$db"
check "no TCP port (skip_networking)" eq "$("$pm" sql "$db" "SELECT @@skip_networking" | tail -n 1)" 1
check "long_query_time is 0" eq "$("$pm" sql "$db" "SELECT @@long_query_time" | tail -n 1)" "0.000000"
check "starting it twice is refused" bash -c "! '$pm' start '$db' 2>/dev/null"

marker="logpost_marker_$RANDOM$RANDOM"
"$pm" sql "$db" "SELECT '$marker' AS m" >/dev/null
check "a statement reaches DIR/slow.log" grep -q "$marker" "$db/slow.log"

# Rotation as logrotate does it: rename, then flush-slow-log.
mv "$db/slow.log" "$db/slow.log.1"
"$pm" admin "$db" flush-slow-log
"$pm" sql "$db" "SELECT 'after_$marker' AS m" >/dev/null
check "after rename + flush-slow-log the server writes a new slow.log" grep -q "after_$marker" "$db/slow.log"
check "and the rotated file no longer grows" bash -c "! grep -q 'after_$marker' '$db/slow.log.1'"

"$pm" sql "$db" "CREATE DATABASE keepme; CREATE TABLE keepme.t (i INT); INSERT INTO keepme.t VALUES (7)"
"$pm" stop "$db"
check "stop waits until mariadbd has exited" bash -c "! kill -0 $pid 2>/dev/null"
check "status fails once stopped" bash -c "! '$pm' status '$db'"
check "stopping a stopped server succeeds" "$pm" stop "$db"
"$pm" start "$db" >/dev/null
check "data survives a stop/start" eq "$("$pm" sql "$db" "SELECT i FROM keepme.t" | tail -n 1)" 7
"$pm" stop "$db"

# A directory too deep for a Unix socket path still works.
deep=$tmp/$(printf 'd%.0s' {1..120})/db
"$pm" start "$deep" >/dev/null
check "a deep DIR gets a short socket path" test "$(wc -c <"$deep/socket.path")" -lt 100
check "and answers" "$pm" status "$deep"
short_dir=$(dirname "$(cat "$deep/socket.path")")
"$pm" stop "$deep"
check "stop removes the short socket directory" test ! -e "$short_dir"

[ $failures = 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all checks passed"
