#!/usr/bin/env python3
"""Compares `pt-query-digest --output json` with `logpost-fingerprint
--slow-log` for one slow log: the same query classes (checksums), the same
count per class, the same fingerprints. Exit 0 when identical, 1 otherwise
(with the differences printed).

Usage: compare_digest.py PT_JSON_FILE OURS_TSV_FILE LABEL
"""
import json
import sys

pt_file, ours_file, label = sys.argv[1:4]
text = open(pt_file, encoding="utf-8", errors="replace").read().strip()
pt = set()
if text:
    for c in json.loads(text).get("classes", []):
        pt.add((c["checksum"], int(c["query_count"]), c["fingerprint"]))
ours = set()
for line in open(ours_file, encoding="utf-8", errors="replace"):
    checksum, count, fingerprint = line.rstrip("\n").split("\t", 2)
    ours.add((checksum, int(count), fingerprint))
if pt == ours:
    print(f"same {label}: {len(pt)} classes, {sum(c for _, c, _ in pt)} queries")
    sys.exit(0)
print(f"DIFFERENT {label}: pt {len(pt)} classes, ours {len(ours)}")
for row in sorted(pt - ours)[:5]:
    print("  only pt:  ", row[0], row[1], row[2][:160])
for row in sorted(ours - pt)[:5]:
    print("  only ours:", row[0], row[1], row[2][:160])
sys.exit(1)
