#!/usr/bin/env bash
# The shipment-format test vectors verify with an independent reader written
# from docs/shipment-format.md (tests/tools/verify-shipment.py), and a
# tampered copy fails it.
set -euo pipefail
src=${LOGPOST_SOURCE_DIR:?}
vectors=$src/tests/data/mail
reader=$src/tests/tools/verify-shipment.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 "$reader" --key "$vectors/test.key" "$vectors/slow-signed.eml" "$vectors/hostile-source-signed.eml"
python3 "$reader" "$vectors/access-unsigned.eml"

# Tampering with a signed header must fail verification.
sed 's/^X-Logpost-Offset: 0\r$/X-Logpost-Offset: 9\r/' "$vectors/slow-signed.eml" >"$tmp/tampered.eml"
cmp -s "$vectors/slow-signed.eml" "$tmp/tampered.eml" && { echo "sed did not tamper"; exit 1; }
if python3 "$reader" --key "$vectors/test.key" "$tmp/tampered.eml"; then
  echo "FAIL: a tampered mail verified"
  exit 1
fi
# A wrong key must fail too.
printf 'not-the-key\n' >"$tmp/wrong.key"
if python3 "$reader" --key "$tmp/wrong.key" "$vectors/slow-signed.eml"; then
  echo "FAIL: verified with the wrong key"
  exit 1
fi
echo "independent reader: vectors verified, tampering and wrong key detected"
