#!/usr/bin/env bash
# e2e_test.sh — logpost end to end with real parts: a private MariaDB writes
# the slow log, a real logrotate run rotates it and its postrotate runs the
# real logpost-ship, a private Postfix delivers into a Maildir, logpost-ingest
# stores into SQLite, logpost-query reports.
#
# The flow is scripts/demo itself (so README command 1 is tested too), run
# with --keep into a directory of this test and with 48 KiB parts, so each
# log travels as several mails and entries meet part boundaries; the assertions then compare the
# store against the files MariaDB and the generator wrote, computed here
# independently of logpost's own splitter:
#   1. every slow-log entry of the rotated file (one "# Query_time:" line
#      each) is in the store exactly once, at its byte offset, and
#      attributed to the account that ran it;
#   2. every access-log line is in the store exactly once, at its offset;
#   3. running logpost-ingest --once again adds nothing, also when the
#      delivered mails reappear in new/ as duplicates;
#   4. running logpost-ship again on the same rotated files sends no mail
#      (Postfix restarted on the same port, its Maildir unchanged); with
#      --force it does send, and ingesting that adds nothing;
#   5. the report lists the workload's query classes, and the store holds
#      exactly the 14 classes the three workload accounts run;
#   6. pt-query-digest, run on the same rotated file, finds the same classes
#      (its checksum = logpost's Query ID) with the same counts and total
#      times;
#   7. a shipment with a mail held back shows in logpost-query gaps, and
#      once the late mail arrives the gap closes with every line stored once.
#
# Environment (set by logpost_integration_test): LOGPOST_BUILD_DIR,
# LOGPOST_SOURCE_DIR; LOGPOST_SHARED_DIR is optional (the demo generates its
# own access log without it).
# Exit: 0 pass, 1 fail, 77 skip (not root, or a program not built yet).
set -euo pipefail

src=${LOGPOST_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
build=${LOGPOST_BUILD_DIR:?LOGPOST_BUILD_DIR must point at the build directory}

skip() { echo "SKIP: $*"; exit 77; }
failures=0
check() {  # description, then a command that must succeed
  local what=$1
  shift
  if "$@"; then
    echo "ok   - $what"
  else
    echo "FAIL - $what"
    failures=$((failures + 1))
  fi
}
eq() { [ "$1" = "$2" ] || { echo "     expected '$2', got '$1'" >&2; return 1; }; }

[ "$(id -u)" = 0 ] || skip "needs root (a private Postfix's master starts as root)"
find_program() {
  local p
  for p in "$build/$1" "$build/bin/$1" "$build"/*/"$1"; do
    if [ -f "$p" ] && [ -x "$p" ]; then echo "$p"; return 0; fi
  done
  return 1
}
for name in logpost-ship logpost-ingest logpost-query; do
  find_program "$name" >/dev/null || skip "$name is not built in $build yet"
done
ship=$(find_program logpost-ship)
ingest=$(find_program logpost-ingest)
query=$(find_program logpost-query)
command -v sqlite3 >/dev/null || skip "sqlite3 (the CLI) is not installed: run scripts/install-deps"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/logpost-e2e.XXXXXX")
chmod 755 "$tmp"
demo=$tmp/demo
postfix_restarted=0
cleanup() {
  local rc=$?
  if [ $postfix_restarted = 1 ]; then "$src/tests/tools/private-postfix" stop "$demo/postfix" || true; fi
  # Belt and braces: the demo stops its servers, but a failed run must not
  # leave a mariadbd behind.
  "$src/tests/tools/private-mariadb" stop "$demo/mariadb" >/dev/null 2>&1 || true
  if [ $rc = 0 ] || [ -z "${LOGPOST_KEEP_E2E:-}" ]; then rm -rf "$tmp"; else echo "kept $tmp"; fi
  exit $rc
}
trap cleanup EXIT

# --- the flow ------------------------------------------------------------------
access_lines=1500
if ! "$src/scripts/demo" --keep --dir "$demo" --build-dir "$build" --access-lines "$access_lines" \
       --max-part 48k >"$tmp/demo.out" 2>&1; then
  cat "$tmp/demo.out"
  echo "FAIL - scripts/demo failed (output above)"
  exit 1
fi
sed 's/^/  demo| /' "$tmp/demo.out"

# The demo stops what it started, also with --keep.
# (A function, not bash -c: pgrep -f would match that shell's own command line.)
no_mariadbd() { ! pgrep -f -- "--defaults-file=$demo/mariadb/my.cnf" >/dev/null; }
check "the demo left no mariadbd running" no_mariadbd
check "the demo left no Postfix running" bash -c "! '$src/tests/tools/private-postfix' status '$demo/postfix'"

store=$demo/store.db
sql() { sqlite3 -batch -noheader "$store" "$1"; }
slow_rotated=("$demo/mariadb/slow.log.1")
access_log=$demo/logs/access.log.1
slow_dataset=mysql.slowlog
access_dataset=nginx.access

# --- 1. slow log: every entry exactly once -------------------------------------
# Entry boundaries computed here, not by logpost's splitter: an entry starts
# at "# Time:", or at "# User@Host:" unless the entry so far is only its
# "# Time:" line. Offsets count bytes (LC_ALL=C: length() is bytes).
entry_offsets() {
  LC_ALL=C awk '
    /^# Time: / { print off + 0; only_time = 1; off += length($0) + 1; next }
    /^# User@Host: / { if (!only_time) print off + 0; only_time = 0; off += length($0) + 1; next }
    { only_time = 0; off += length($0) + 1 }' "$1"
}
entries_in_file=$(grep -c '^# Query_time:' "${slow_rotated[@]}")
entry_offsets "${slow_rotated[0]}" | sort -n >"$tmp/slow.expected"
sql "SELECT log_offset FROM events WHERE dataset = '$slow_dataset' ORDER BY log_offset" >"$tmp/slow.stored"
check "MariaDB wrote a real workload (>= 1000 entries; got $entries_in_file)" test "$entries_in_file" -ge 1000
check "the slow log travelled as several parts (48k each)" \
  test "$(sql "SELECT COUNT(DISTINCT part) FROM events WHERE dataset = '$slow_dataset'")" -ge 5
check "entry boundaries found = '# Query_time:' lines" eq "$(wc -l <"$tmp/slow.expected")" "$entries_in_file"
check "slow-log events stored = entries in the rotated file ($entries_in_file)" \
  eq "$(sql "SELECT COUNT(*) FROM events WHERE dataset = '$slow_dataset'")" "$entries_in_file"
check "each slow-log entry stored exactly once, at its byte offset" cmp -s "$tmp/slow.expected" "$tmp/slow.stored"
for user in shop_app blog_app analyst; do
  in_file=$(grep -c "^# User@Host: $user\[" "${slow_rotated[@]}" || true)
  check "events of $user = its entries in the file ($in_file)" \
    eq "$(sql "SELECT COUNT(*) FROM events WHERE dataset = '$slow_dataset' AND user_name = '$user'")" "$in_file"
done

# --- 2. access log: every line exactly once --------------------------------------
LC_ALL=C awk '{ print off + 0; off += length($0) + 1 }' "$access_log" | sort -n >"$tmp/access.expected"
sql "SELECT log_offset FROM events WHERE dataset = '$access_dataset' ORDER BY log_offset" >"$tmp/access.stored"
check "access-log events stored = lines shipped ($access_lines)" \
  eq "$(sql "SELECT COUNT(*) FROM events WHERE dataset = '$access_dataset'")" "$access_lines"
check "each access-log line stored exactly once, at its byte offset" cmp -s "$tmp/access.expected" "$tmp/access.stored"

# --- 3. ingesting again adds nothing ------------------------------------------------
total_before=$(sql "SELECT COUNT(*) FROM events")
maildir=$demo/postfix/maildir
ingest_again() {
  "$ingest" --config "$demo/etc/logpost-ingest.conf" --maildir "$maildir" --store "sqlite:$store" --once \
    >>"$tmp/ingest-again.log" 2>&1
}
check "logpost-ingest --once runs again on the processed Maildir" ingest_again
check "a second ingest adds no event ($total_before)" eq "$(sql "SELECT COUNT(*) FROM events")" "$total_before"
# The same mails again in new/, under new names, as a duplicate delivery
# (or a crash between storing and moving the mail) leaves them.
n=0
for mail in "$maildir"/cur/*; do
  n=$((n + 1))
  cp "$mail" "$maildir/tmp/dup$n" && mv "$maildir/tmp/dup$n" "$maildir/new/$(date +%s).dup$n.e2e"
done
check "the delivered mails were re-injected into new/ ($n)" test "$n" -gt 0
check "logpost-ingest --once takes the duplicates" ingest_again
check "duplicate mails add no event ($total_before)" eq "$(sql "SELECT COUNT(*) FROM events")" "$total_before"
check "the duplicates left new/" eq "$(find "$maildir/new" -type f | wc -l)" 0

# --- 4. shipping the same files again sends nothing -------------------------------
mails_before=$(find "$maildir/new" "$maildir/cur" -maxdepth 1 -type f | wc -l)
postfix_restarted=1
"$src/tests/tools/private-postfix" start "$demo/postfix" >/dev/null
check "logpost-ship on the same rotated slow log again exits 0" \
  "$ship" --config "$demo/etc/logpost-ship.conf" --kind mysql-slow "${slow_rotated[@]}"
check "logpost-ship on the same access log again exits 0" \
  "$ship" --config "$demo/etc/logpost-ship.conf" --kind nginx-access "$access_log"
check "Postfix's queue drains" "$src/tests/tools/private-postfix" wait-queue-empty "$demo/postfix" 30
check "no new mail after re-shipping ($mails_before mails)" \
  eq "$(find "$maildir/new" "$maildir/cur" -maxdepth 1 -type f | wc -l)" "$mails_before"
# --force does send again (a real second delivery through Postfix): the
# store must still hold each entry once.
check "logpost-ship --force sends the slow log again" \
  "$ship" --config "$demo/etc/logpost-ship.conf" --force --kind mysql-slow "${slow_rotated[@]}"
check "Postfix's queue drains" "$src/tests/tools/private-postfix" wait-queue-empty "$demo/postfix" 30
check "the forced shipment arrived as new mail" test "$(find "$maildir/new" -type f | wc -l)" -gt 0
check "logpost-ingest --once takes the re-sent mail" ingest_again
check "a re-sent shipment adds no event ($total_before)" eq "$(sql "SELECT COUNT(*) FROM events")" "$total_before"
"$src/tests/tools/private-postfix" stop "$demo/postfix"
postfix_restarted=0

# --- 5. the report and the classes --------------------------------------------------
# The three accounts run 14 statement shapes (scripts/demo-workload: shop_app
# 5, blog_app 4, analyst 5); literals vary, so each shape is one class.
check "the workload's accounts produced 14 query classes" \
  eq "$(sql "SELECT COUNT(DISTINCT fingerprint) FROM events WHERE dataset = '$slow_dataset' AND user_name IN ('shop_app','blog_app','analyst')")" 14
"$query" top --store "sqlite:$store" --limit 100 --json >"$tmp/report.json"
"$query" top --store "sqlite:$store" --limit 100 >"$tmp/report.txt"
# head reads the file itself: a pipe into head would end sed with SIGPIPE,
# which pipefail turns into a failed script once the report passes 30 lines.
head -n 30 "$tmp/report.txt" | sed 's/^/  report| /'
# One distinctive piece of each class, in the words a fingerprint keeps
# (lower case, literals replaced).
for shape in \
  "from customers where id" "from orders where customer_id" "insert into orders" \
  "update products set stock" "from order_items oi join products" \
  "from posts where slug" "from comments where post_id" "insert into comments" "group by author" \
  "billing_email" "order by last_name" "signup_date between" "sleep" "left join blog.comments"; do
  # The JSON report carries whole fingerprints (the table may shorten them).
  check "report lists the class with '$shape'" grep -qiF -- "$shape" "$tmp/report.json"
done

# --- 6. an independent opinion: pt-query-digest ------------------------------------
# Percona's pt-query-digest reads the same rotated file; every class (its
# checksum is logpost's Query ID), its count and its total time must agree.
if command -v pt-query-digest >/dev/null 2>&1; then
  pt-query-digest --limit 100% --output json "${slow_rotated[@]}" >"$tmp/pt.json" 2>"$tmp/pt.err"
  python3 - "$tmp/pt.json" >"$tmp/pt.classes" <<'PY'
import json, sys
for c in json.load(open(sys.argv[1]))["classes"]:
    print(c["checksum"], c["query_count"], "%.6f" % float(c["metrics"]["Query_time"]["sum"]))
PY
  sort -o "$tmp/pt.classes" "$tmp/pt.classes"
  sqlite3 -batch -noheader -separator ' ' "$store" \
    "SELECT digest, COUNT(*), printf('%.6f', SUM(duration_ns) / 1e9) FROM events
     WHERE dataset = '$slow_dataset' AND fingerprint IS NOT NULL GROUP BY digest" | sort >"$tmp/lp.classes"
  check "pt-query-digest found classes ($(wc -l <"$tmp/pt.classes"))" test -s "$tmp/pt.classes"
  check "classes, counts and total times equal pt-query-digest's" diff "$tmp/pt.classes" "$tmp/lp.classes"
else
  echo "note - pt-query-digest not installed: comparison skipped (scripts/install-deps installs percona-toolkit)"
fi

# --- 7. a part that is late shows as a gap, and the gap closes -------------------
# A new shipment (a copy of the access log under another name: another
# file identity) in 48k parts; one of its mails is held back before
# ingesting, as if still queued somewhere, then delivered late.
late_log=$demo/logs/access-late.log.1
cp "$access_log" "$late_log"
postfix_restarted=1
"$src/tests/tools/private-postfix" start "$demo/postfix" >/dev/null
check "logpost-ship sends the copy" "$ship" --config "$demo/etc/logpost-ship.conf" --kind nginx-access "$late_log"
check "Postfix's queue drains" "$src/tests/tools/private-postfix" wait-queue-empty "$demo/postfix" 30
"$src/tests/tools/private-postfix" stop "$demo/postfix"
postfix_restarted=0
late_mails=$(find "$maildir/new" -type f | wc -l)
check "the copy arrived as several mails ($late_mails)" test "$late_mails" -ge 2
held=$(find "$maildir/new" -type f | sort | sed -n 2p)
mv "$held" "$tmp/held-mail"
check "logpost-ingest --once takes the mails that did arrive" ingest_again
"$query" gaps --store "sqlite:$store" --json >"$tmp/gaps-open.json"
check "logpost-query gaps lists the shipment with the missing part" grep -qF "access-late.log.1" "$tmp/gaps-open.json"
mv "$tmp/held-mail" "$maildir/new/$(basename "$held")"
check "logpost-ingest --once takes the late mail" ingest_again
check "logpost-query gaps is empty again" eq "$("$query" gaps --store "sqlite:$store" --json)" "[]"
check "every line of the copy stored exactly once ($access_lines)" eq "$(sql "SELECT COUNT(*), COUNT(DISTINCT log_offset) FROM events
  WHERE dataset = '$access_dataset' AND json_extract(doc, '\$.log.file.path') = '$late_log'")" "$access_lines|$access_lines"

if [ $failures -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
