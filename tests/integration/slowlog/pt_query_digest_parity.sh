#!/bin/bash
# pt-query-digest parity: on every slow log of Percona Toolkit's own test
# corpus (../shared/corpus/slowlogs/percona) and on a generated MySQL 8.0 log
# (../shared/tools/gen-slow-log), logpost's splitting + parsing +
# fingerprinting must give the same query classes, the same number of
# queries per class and the same checksums (Query IDs) as pt-query-digest.
# Skips (77) without pt-query-digest or without ../shared.
set -euo pipefail
: "${LOGPOST_BUILD_DIR:?}" "${LOGPOST_SOURCE_DIR:?}"
here="$(cd "$(dirname "$0")" && pwd)"
shared="${LOGPOST_SHARED_DIR:-$LOGPOST_SOURCE_DIR/../shared}"
pt="$(command -v pt-query-digest || true)"
if [[ -z "$pt" ]]; then echo "SKIP: pt-query-digest not installed"; exit 77; fi
if [[ ! -d "$shared/corpus/slowlogs/percona" ]]; then echo "SKIP: no shared corpus at $shared"; exit 77; fi
tool="$LOGPOST_BUILD_DIR/tools/fingerprint/logpost-fingerprint"
[[ -x "$tool" ]] || { echo "FAIL: $tool not built"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

logs=()
for f in "$shared"/corpus/slowlogs/percona/*; do
  case "$f" in
    *.txt) logs+=("$f") ;;
    *.gz) gunzip -c "$f" > "$work/$(basename "$f" .gz)"; logs+=("$work/$(basename "$f" .gz)") ;;
  esac
done
"$shared/tools/gen-slow-log" 20000 "$work/generated-mysql80.log" 11 > /dev/null
logs+=("$work/generated-mysql80.log")

failed=0
for log in "${logs[@]}"; do
  name="$(basename "$log")"
  "$pt" --output json --limit 1000000 "$log" > "$work/pt.json" 2> "$work/pt.err" || true
  "$tool" --slow-log "$log" > "$work/ours.tsv" 2> "$work/ours.err"
  if ! python3 "$here/compare_digest.py" "$work/pt.json" "$work/ours.tsv" "$name"; then
    failed=$((failed + 1))
  fi
done
echo "logs compared: ${#logs[@]}, different: $failed"
[[ $failed -eq 0 ]]
