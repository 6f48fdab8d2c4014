#!/bin/bash
# Differential test of the SQL fingerprint: thousands of generated queries
# (every rule's edges: comments, quotes, escapes, numbers, lists, UNION,
# LIMIT, ORDER BY ... ASC, CALL, USE, multi-row INSERT, odd whitespace)
# through logpost-fingerprint and through pt-query-digest's own
# QueryRewriter; every fingerprint and checksum must be identical.
# Skips (77) when Percona Toolkit is not installed.
set -euo pipefail
: "${LOGPOST_BUILD_DIR:?}" "${LOGPOST_SOURCE_DIR:?}"
here="$(cd "$(dirname "$0")" && pwd)"
pt="$(command -v pt-query-digest || true)"
if [[ -z "$pt" ]]; then echo "SKIP: pt-query-digest not installed"; exit 77; fi
tool="$LOGPOST_BUILD_DIR/tools/fingerprint/logpost-fingerprint"
[[ -x "$tool" ]] || { echo "FAIL: $tool not built"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

total=0
for seed in 1 2 3; do
  python3 "$here/gen_fingerprint_cases.py" 10000 "$seed" > "$work/cases"
  perl "$here/pt_fingerprint_oracle.pl" "$pt" < "$work/cases" > "$work/want"
  "$tool" --null < "$work/cases" > "$work/got"
  if ! cmp -s "$work/want" "$work/got"; then
    python3 - "$work/cases" "$work/want" "$work/got" <<'PY'
import sys
cases, want, got = (open(p, 'rb').read().split(b'\0')[:-1] for p in sys.argv[1:4])
print(f"queries={len(cases)} want={len(want)} got={len(got)}")
shown = 0
for c, w, g in zip(cases, want, got):
    if w != g and shown < 10:
        shown += 1
        print("query:", repr(c)); print("  pt:  ", repr(w)); print("  ours:", repr(g))
PY
    echo "FAIL: fingerprints differ from pt-query-digest (seed $seed)"
    exit 1
  fi
  total=$((total + 10000))
done
echo "PASS: $total generated queries, identical fingerprints and checksums to $pt"
