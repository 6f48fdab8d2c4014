#!/usr/bin/env python3
"""verify-shipment.py — an independent reader of the logpost shipment format.

Written from docs/shipment-format.md alone, with Python's standard library,
to show that the document is enough for another implementation to read and
verify our mails. Usage:

    verify-shipment.py [--key KEYFILE] MAIL.eml...

For each mail: checks the X-Logpost-* headers (present once each, canonical
encoding), the signature when --key is given (or reports "unsigned"), the
attachment's SHA-256 in the signature, the gzip content against
X-Logpost-Length and X-Logpost-Sha256. Prints one line per mail, exits 1 if
any mail fails.
"""
import email
import email.policy
import gzip
import hashlib
import hmac
import re
import sys

SIGNED = ["Version", "Tenant", "Host", "Kind", "Source", "File-Id", "Shipment", "Part",
          "Offset", "Length", "Entries", "Sha256", "Timezone", "Created", "Flags"]
SAFE = re.compile(r"^(?:[A-Za-z0-9\-._~/:@+=,]|%[0-9A-F]{2})*$")
SAFE_BYTES = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/:@+=,")


def decode(value):
    if not SAFE.match(value):
        raise ValueError("value is not in canonical encoded form: %r" % value)
    out = bytearray()
    i = 0
    while i < len(value):
        if value[i] == "%":
            b = int(value[i + 1:i + 3], 16)
            if b in SAFE_BYTES:
                raise ValueError("non-canonical escape of a safe byte")
            out.append(b)
            i += 3
        else:
            out.append(ord(value[i]))
            i += 1
    return bytes(out)


def verify(path, key):
    raw = open(path, "rb").read()
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    values = {}
    for name in SIGNED:
        found = msg.get_all("X-Logpost-" + name) or []
        if len(found) != 1:
            raise ValueError("X-Logpost-%s appears %d times" % (name, len(found)))
        values[name] = found[0].strip()
    if values["Version"] != "1":
        raise ValueError("unsupported version " + values["Version"])
    for name in ("Host", "Source", "File-Id"):
        decode(values[name])
    attachment = None
    for part in msg.walk():
        if part.get_content_type() == "application/gzip":
            if attachment is not None:
                raise ValueError("two gzip parts")
            attachment = part.get_payload(decode=True)
    if attachment is None:
        raise ValueError("no application/gzip part")
    attachment_sha = hashlib.sha256(attachment).hexdigest()
    status = "unsigned"
    signature = msg.get_all("X-Logpost-Signature") or []
    if key is not None:
        if len(signature) != 1:
            raise ValueError("missing signature")
        canonical = "logpost-signature-v1\n"
        for name in SIGNED:
            canonical += "x-logpost-%s:%s\n" % (name.lower(), values[name])
        canonical += "attachment-sha256:%s\n" % attachment_sha
        expected = "hmac-sha256=" + hmac.new(key, canonical.encode("ascii"), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature[0].strip()):
            raise ValueError("signature mismatch")
        status = "signature ok"
    content = gzip.decompress(attachment)
    if len(content) != int(values["Length"]):
        raise ValueError("length %d != X-Logpost-Length %s" % (len(content), values["Length"]))
    if hashlib.sha256(content).hexdigest() != values["Sha256"]:
        raise ValueError("content SHA-256 mismatch")
    return "%s, %d bytes, part %s, %s" % (status, len(content), values["Part"], decode(values["Source"]))


def main(argv):
    key = None
    if len(argv) >= 2 and argv[0] == "--key":
        key = open(argv[1], "rb").read().rstrip(b"\r\n")
        argv = argv[2:]
    failed = 0
    for path in argv:
        try:
            print("OK %s: %s" % (path, verify(path, key)))
        except Exception as e:  # report every mail, then fail
            print("FAIL %s: %s" % (path, e))
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
