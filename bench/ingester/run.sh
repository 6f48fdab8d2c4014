#!/usr/bin/env bash
# bench/ingester/run.sh — logpost-ingest --once into SQLite: events/s and
# peak RSS, for access logs and slow logs turned into shipment mails with the
# library (tests/integration/ingester/make_mails.cpp). Prints numbers; never
# passes or fails on them.
#
#   bench/ingester/run.sh BUILD_DIR [WORK_DIR]
#
# Needs ../shared/tools/gen-access-log and gen-slow-log (skips without them),
# GNU time (/usr/bin/time) and ~2 GB of free disk in WORK_DIR.
# Env: ACCESS_LINES (default 1000000), SLOW_ENTRIES (200000), PART_BYTES
# (16000000: ~4 MB mails), PIPELINES=yes to run the built-in pipelines too
# (with PIPELINES_DIR and GEOIP_DIR to choose their files), ONLY=access to run
# only the first run below.
set -euo pipefail
BUILD="$(cd "${1:?usage: run.sh BUILD_DIR [WORK_DIR]}" && pwd)"
WORK="${2:-$(mktemp -d "${TMPDIR:-/tmp}/logpost-bench-ingest.XXXXXX")}"
HERE="$(cd "$(dirname "$0")" && pwd)"
SHARED="${LOGPOST_SHARED_DIR:-$HERE/../../../shared}"
ACCESS_LINES="${ACCESS_LINES:-1000000}"
SLOW_ENTRIES="${SLOW_ENTRIES:-200000}"
PART_BYTES="${PART_BYTES:-16000000}"
INGEST="$BUILD/ingester/logpost-ingest"
MAKE_MAILS="$BUILD/tests/integration/ingester/logpost-test-make-mails"
[[ -x "$SHARED/tools/gen-access-log" ]] || { echo "no $SHARED/tools: skipping"; exit 0; }
[[ -x "$INGEST" && -x "$MAKE_MAILS" ]] || { echo "build logpost-ingest and logpost-test-make-mails first"; exit 1; }
mkdir -p "$WORK"
cd "$WORK"
printf 'bench-key\n' > key
if [[ "${PIPELINES:-no}" == yes ]]; then
  printf 'tenant.acme.signing_key_file = key\n' > ingest.conf
  # PIPELINES_DIR / GEOIP_DIR: the built-in pipelines and GeoLite2-City.mmdb
  # to use (defaults: the build's own; bench/compare-builds passes an old
  # revision's pipelines to an old build).
  if [[ -n "${PIPELINES_DIR:-}" ]]; then printf 'pipelines_dir = %s\n' "$PIPELINES_DIR" >> ingest.conf; fi
  if [[ -n "${GEOIP_DIR:-}" ]]; then printf 'geoip_dir = %s\n' "$GEOIP_DIR" >> ingest.conf; fi
else
  printf 'tenant.acme.signing_key_file = key\npipeline.nginx-access =\npipeline.apache-access =\npipeline.mysql-slow =\npipeline.raw =\n' > ingest.conf
fi
[[ -f access.log ]] || "$SHARED/tools/gen-access-log" "$ACCESS_LINES" access.log
if [[ "${ONLY:-}" != access && ! -f slow.log ]]; then "$SHARED/tools/gen-slow-log" "$SLOW_ENTRIES" slow.log; fi

run() {  # run NAME KIND LOG PART_BYTES
  local name=$1 kind=$2 log=$3 part=$4
  rm -rf "M-$name" "store-$name.sqlite"*
  mkdir -p "M-$name"/{new,cur,tmp}
  local mails
  mails=$("$MAKE_MAILS" --maildir "M-$name" --kind "$kind" --part-bytes "$part" --key-file key "$log")
  local biggest
  biggest=$(ls -S "M-$name/new" | head -1)
  biggest=$(stat -c %s "M-$name/new/$biggest")
  /usr/bin/time -f '%e %M %U %S' -o "time-$name" \
    "$INGEST" --config ingest.conf --maildir "M-$name" --store "sqlite:store-$name.sqlite" --once --quiet --stats \
    > "stats-$name"
  read -r elapsed rss_kb user sys < "time-$name"
  local events
  events=$(grep -o 'events_stored=[0-9]*' "stats-$name" | cut -d= -f2)
  awk -v n="$name" -v m="$mails" -v b="$biggest" -v e="$events" -v t="$elapsed" -v r="$rss_kb" -v u="$user" -v s="$sys" \
    -v db="$(stat -c %s "store-$name.sqlite")" 'BEGIN {
      printf "%-14s mails=%d biggest_mail=%.1fMB events=%d wall=%.2fs cpu=%.2fs events/s(wall)=%.0f events/s(cpu)=%.0f peak_rss=%.1fMB store=%.0fMB\n",
             n, m, b/1e6, e, t, u+s, e/t, e/(u+s), r/1024, db/1e6 }'
}

echo "# logpost-ingest --once into SQLite ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)); pipelines=${PIPELINES:-no}"
run access nginx-access access.log "$PART_BYTES"
if [[ "${ONLY:-}" == access ]]; then exit 0; fi
run slow mysql-slow slow.log "$PART_BYTES"
run access-1mail nginx-access access.log 100000000000
