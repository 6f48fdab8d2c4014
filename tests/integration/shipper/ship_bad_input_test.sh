#!/usr/bin/env bash
# logpost-ship with bad and awkward inputs in one call, as logrotate's
# sharedscripts would pass them. Each bad file gets one clear line naming it
# and the reason; the good ones (including awkward names, an empty file, a
# 5 MB line, CRLF, invalid UTF-8, binary data) arrive byte-identical; nothing
# injects a header; the exit status is the most serious one (66 here).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
sed -i 's/^max_mail_size = .*/max_mail_size = 1M/' "$T/ship.conf"

in="$T/in"
gen_access 500 "$in/good.log"
weird="$in/we ird \"quoted\" 'single' é
X-Injected: yes.log"
gen_access 50 "$weird"
: >"$in/empty.log"
python3 -c 'import random,sys; r=random.Random(3); sys.stdout.buffer.write(b"x\0" + r.randbytes(20000))' >"$in/binary.log"
python3 - "$in/bigline.log" <<'PY'
import base64, random, sys
r = random.Random(5)
with open(sys.argv[1], "w") as f:
    f.write("first line\n")
    f.write(base64.b64encode(r.randbytes(3_900_000)).decode() + "\n")  # one 5.2 MB line
    f.write("last line\n")
PY
printf 'GET / HTTP/1.1 200\r\nGET /a HTTP/1.1 404\r\n' >"$in/crlf.log"
printf 'bad utf8 \xff\xfe \xc3\x28 end\nsecond\n' >"$in/utf8.log"
mkdir "$in/adir"
ln -s "$in/good.log" "$in/link.log"
gen_access 300 "$in/forgz.log"
gzip -c "$in/forgz.log" >"$in/whole.gz"
head -c 3000 "$in/whole.gz" >"$in/truncated.gz"  # no pipe: head closing it early would SIGPIPE gzip under pipefail
rm "$in/whole.gz"
gzip -c "$in/forgz.log" >"$in/flipped.gz"
printf '\x00\x00\x00\x00\x00\x00\x00\x00' | dd of="$in/flipped.gz" bs=1 seek=200 conv=notrunc status=none

step "one call with everything"
ship --kind nginx-access --verbose "$in/good.log" "$in/missing.log" "$in/adir" "$in/link.log" "$weird" \
    "$in/empty.log" "$in/binary.log" "$in/bigline.log" "$in/crlf.log" "$in/utf8.log" "$in/truncated.gz" \
    "$in/flipped.gz"
expect_rc 66

expect_line() {  # PATTERN: one stderr line naming the file and the reason
    grep -qE "$1" <<<"$OUT" || fail "no diagnostic matching: $1"
}
expect_line "missing\.log: no such file"
expect_line "adir: is a directory"
expect_line "link\.log: is a symbolic link"
expect_line "truncated\.gz: corrupt gzip.*nothing of it was sent"
expect_line "flipped\.gz: corrupt gzip.*nothing of it was sent"
expect_line "binary\.log: contains NUL bytes"
# The newline in the file name is escaped in the diagnostic, not printed raw.
grep -q '\\x0aX-Injected' <<<"$OUT" || fail "newline in a file name not escaped in diagnostics"
if grep -q '^X-Injected' <<<"$OUT"; then fail "raw newline from a file name reached stderr"; fi

parts=$(accepted_count)
"$PF" wait-delivered "$T/pf" "$parts" 60
"$REASSEMBLE" "$T/pf/maildir/new" "$T/out/b" "$T/key" >"$T/out/b.txt" || fail "reassembly failed"
cat "$T/out/b.txt"
[[ $(wc -l <"$T/out/b.txt") == 7 ]] || fail "expected 7 shipments (good, weird, empty, binary, bigline, crlf, utf8)"

step "each good file arrived byte-identical"
for f in "$in/good.log" "$weird" "$in/empty.log" "$in/binary.log" "$in/bigline.log" "$in/crlf.log" "$in/utf8.log"; do
    want=$(sha256sum <"$f" | cut -d' ' -f1)
    found=0
    for c in "$T/out/b"/*.content; do
        [[ $(sha256sum <"$c" | cut -d' ' -f1) == "$want" ]] && found=1
    done
    ((found)) || fail "no byte-identical shipment for $(printf %q "$f")"
done

step "the 5 MB line was cut across parts with the inside-entry flags"
grep -E "begins-inside-entry" "$T/out/b.txt" | grep -q "ends-inside-entry" || fail "cut flags missing"

step "no header injection from the file name"
if grep -l '^X-Injected' "$T/pf/maildir/new"/* >/dev/null 2>&1; then fail "X-Injected header in a delivered mail"; fi
grep -q "X-Logpost-Source: .*%0AX-Injected" "$T/pf/maildir/new"/* || fail "weird source not percent-encoded"

step "an empty file ships as one empty part"
grep -q " 1 0 - .*empty.log" "$T/out/b.txt" || fail "empty file is not one zero-length part"

step "inputs untouched"
[[ -f "$in/truncated.gz" && $(stat -c %s "$in/truncated.gz") == 3000 ]] || fail "corrupt input modified"
echo "PASS"
