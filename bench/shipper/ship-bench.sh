#!/usr/bin/env bash
# ship-bench.sh — how fast and how small logpost-ship is on a big access log.
#
#   bench/shipper/ship-bench.sh [LINES] [BUILD_DIR]
#
# Generates LINES (default 4400000, ~1 GB) lines with ../shared/tools/gen-access-log,
# starts a private Postfix (tests/tools/private-postfix) and ships the file
# into it with the default max_mail_size (9M). Prints wall time, throughput
# and peak RSS of logpost-ship (from /usr/bin/time -v), and, on the same
# file in the same run, the wall time of `gzip -6` for comparison.
# Needs root (Postfix), /usr/bin/time, and about 2.5x the file size in /tmp
# (or TMPDIR). Prints numbers; never passes or fails on them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "$here/../.." && pwd)"
lines="${1:-4400000}"
build="${2:-$src/build}"
ship="$build/shipper/logpost-ship"
gen="$src/../shared/tools/gen-access-log"
pf="$src/tests/tools/private-postfix"
[[ -x "$ship" ]] || { echo "build logpost-ship first ($ship)"; exit 1; }
[[ -x "$gen" ]] || { echo "needs ../shared/tools/gen-access-log"; exit 77; }
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (Debian package: time)"; exit 1; }

T="$(mktemp -d)"
chmod 755 "$T"
trap '"$pf" stop "$T/pf" || true; rm -rf "$T"' EXIT
port="$("$pf" start "$T/pf" message_size_limit=10240000)"
log="$T/access.log"
echo "generating $lines lines ..."
"$gen" "$lines" "$log" >/dev/null
bytes=$(stat -c %s "$log")
cat >"$T/ship.conf" <<CONF
recipient = logs@logpost.test
mta_port = $port
tenant = bench
spool_dir = $T/spool
state_file = $T/state/ship.state
user = nobody
timezone = UTC
CONF

sync
echo "file: $log, $bytes bytes, $lines lines"
/usr/bin/time -v "$ship" --config "$T/ship.conf" --kind nginx-access "$log" 2>"$T/time.txt" || {
    cat "$T/time.txt"
    exit 1
}
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$T/time.txt")
rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$T/time.txt")
secs=$(python3 -c "p='$wall'.split(':'); print(sum(float(x)*60**i for i,x in enumerate(reversed(p))))")
parts=$(find "$T/spool/outgoing" -name '*.eml' | wc -l)

cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}' "$T/time.txt")
/usr/bin/time -v gzip -6 -c "$log" 2>"$T/gztime.txt" >"$T/gzip6.gz"
gz_wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$T/gztime.txt")
gz_secs=$(python3 -c "p='$gz_wall'.split(':'); print(sum(float(x)*60**i for i,x in enumerate(reversed(p))))")
gz_cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}' "$T/gztime.txt")
gz_bytes=$(stat -c %s "$T/gzip6.gz")

"$pf" wait-queue-empty "$T/pf" 300 || true
delivered=$(find "$T/pf/maildir/new" -type f | wc -l)
mail_bytes=$(find "$T/pf/maildir/new" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
python3 - <<PY
b = $bytes
print(f"logpost-ship (into a private Postfix on loopback, default 9M mails):")
print(f"  wall time       {$secs:.2f} s ({b / $secs / 1e6:.1f} MB/s)")
print(f"  CPU time        {$cpu:.2f} s ({b / $cpu / 1e6:.1f} MB/s of CPU)")
print(f"  peak RSS        {int('$rss') / 1024:.1f} MiB")
print(f"  mails delivered {$delivered} (still spooled: $parts), {$mail_bytes / 1e6:.1f} MB of mail")
print(f"gzip -6 on the same file:")
print(f"  wall time       {$gz_secs:.2f} s ({b / $gz_secs / 1e6:.1f} MB/s)")
print(f"  CPU time        {$gz_cpu:.2f} s ({b / $gz_cpu / 1e6:.1f} MB/s of CPU), output {$gz_bytes / 1e6:.1f} MB")
PY
