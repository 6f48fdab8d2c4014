#!/usr/bin/env bash
# logpost-ship's STARTTLS policy against real Postfix instances:
#   1. starttls=required + the CA that signed the server's certificate:
#      delivered byte-identical, and Postfix's smtpd logs a TLS connection;
#   2. starttls=required + another CA: nothing delivered, exit 75 (spooled),
#      the message names TLS/the certificate;
#   3. starttls=required against a Postfix without TLS: exit 75, the message
#      says the server does not offer STARTTLS;
#   4. starttls=opportunistic against the Postfix without TLS: delivered.
# Certificates are throw-away ones made with the openssl CLI under $T.
# lib.sh starts the instance without TLS ($T/pf); this test adds $T/pf-tls.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v openssl >/dev/null || skip "the openssl CLI is not installed"

TLS_PF="$T/pf-tls"
cleanup_tls() {
    "$PF" stop "$TLS_PF" || true
    cleanup
}
trap cleanup_tls EXIT

step "throw-away CAs and a server certificate for 127.0.0.1/localhost"
mkdir -p "$T/pki"
make_ca() {  # NAME
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -sha256 \
        -subj "/CN=logpost test CA $1" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$T/pki/$1.key" -out "$T/pki/$1.crt" 2>"$T/pki/$1.err" || {
        cat "$T/pki/$1.err" >&2
        fail "openssl could not make CA $1"
    }
}
make_ca good
make_ca other
openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=localhost" \
    -keyout "$T/pki/server.key" -out "$T/pki/server.csr" 2>"$T/pki/server.err" || {
    cat "$T/pki/server.err" >&2
    fail "openssl could not make the server key"
}
cat >"$T/pki/server.ext" <<'EXT'
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, DNS:127.0.0.1, IP:127.0.0.1
EXT
openssl x509 -req -in "$T/pki/server.csr" -CA "$T/pki/good.crt" -CAkey "$T/pki/good.key" \
    -CAcreateserial -days 2 -sha256 -extfile "$T/pki/server.ext" -out "$T/pki/server.crt" 2>"$T/pki/server.err" || {
    cat "$T/pki/server.err" >&2
    fail "openssl could not sign the server certificate"
}
openssl verify -CAfile "$T/pki/good.crt" "$T/pki/server.crt" >/dev/null || fail "server certificate does not verify"
# The shipper drops to `nobody` before it connects: the CA files must be readable.
chmod 755 "$T/pki"
chmod 644 "$T/pki"/*.crt
chmod 600 "$T/pki"/*.key

step "private Postfix with smtpd TLS (security level may)"
if ! TLS_PORT="$("$PF" start "$TLS_PF" \
    "smtpd_tls_cert_file=$T/pki/server.crt" \
    "smtpd_tls_key_file=$T/pki/server.key" \
    smtpd_tls_security_level=may \
    smtpd_tls_loglevel=1)"; then
    "$PF" log "$TLS_PF" >&2 || true
    fail "could not start the TLS Postfix"
fi

# write_conf PORT LINE...: $T/tls.conf is lib.sh's config with mta_port
# replaced (a key may appear only once) and LINEs appended.
write_conf() {  # PORT extra-lines...
    local port="$1"
    shift
    grep -v '^mta_port' "$T/ship.conf" >"$T/tls.conf"
    echo "mta_port = $port" >>"$T/tls.conf"
    local line
    for line in "$@"; do echo "$line" >>"$T/tls.conf"; done
}
ship_tls() {  # INPUT
    set +e
    OUT="$("$SHIP" --config "$T/tls.conf" --kind nginx-access --verbose "$1" 2>&1)"
    RC=$?
    set -e
    printf '%s\n' "$OUT" | sed 's/^/    | /'
}
spooled_count() { find "$T/spool/outgoing" -name '*.eml' 2>/dev/null | wc -l; }
clear_spool() { find "$T/spool" -type f -path "*/outgoing/*" -delete 2>/dev/null || true; }
maildir_count() { find "$1/maildir/new" -maxdepth 1 -type f | wc -l; }

step "1. starttls=required with the right CA: delivered over TLS"
gen_access 300 "$T/in/one.log"
write_conf "$TLS_PORT" "starttls = required" "tls_ca_file = $T/pki/good.crt"
ship_tls "$T/in/one.log"
expect_rc 0
[[ $(accepted_count) -ge 1 ]] || fail "no part accepted"
"$PF" wait-delivered "$TLS_PF" 1 60 || fail "the mail sent over TLS did not arrive"
"$REASSEMBLE" "$TLS_PF/maildir/new" "$T/out/1" "$T/key" >"$T/out/1.txt" || fail "reassembly failed"
cat "$T/out/1.txt"
id=$(awk -v s="$T/in/one.log" '$5 == s {print $1}' "$T/out/1.txt")
[[ -n "$id" ]] || fail "no shipment for one.log"
cmp "$T/out/1/$id.content" "$T/in/one.log" || fail "content sent over TLS differs from the input"
"$PF" log "$TLS_PF" | grep -E 'smtpd\[[0-9]+\]: .*TLS connection established from' \
    || fail "Postfix logged no TLS connection"
delivered_tls=$(maildir_count "$TLS_PF")

step "2. starttls=required with another CA: not delivered, spooled, exit 75"
clear_spool
gen_access 50 "$T/in/two.log"
write_conf "$TLS_PORT" "starttls = required" "tls_ca_file = $T/pki/other.crt"
ship_tls "$T/in/two.log"
expect_rc 75
grep -qi "kept in the spool" <<<"$OUT" || fail "no spooling notice"
grep -qi "STARTTLS: .*certificate does not verify" <<<"$OUT" || fail "the message does not name STARTTLS and the certificate"
[[ $(spooled_count) -ge 1 ]] || fail "nothing in the spool"
"$PF" wait-queue-empty "$TLS_PF" 30
[[ $(maildir_count "$TLS_PF") == "$delivered_tls" ]] || fail "a mail arrived although the certificate is not trusted"

step "3. starttls=required against a Postfix without TLS: not delivered, exit 75"
clear_spool
gen_access 40 "$T/in/three.log"
write_conf "$PORT" "starttls = required" "tls_ca_file = $T/pki/good.crt"
ship_tls "$T/in/three.log"
expect_rc 75
grep -qi "kept in the spool" <<<"$OUT" || fail "no spooling notice"
grep -qi "does not offer STARTTLS" <<<"$OUT" || fail "the message does not say the server lacks STARTTLS"
[[ $(spooled_count) -ge 1 ]] || fail "nothing in the spool"
"$PF" wait-queue-empty "$T/pf" 30
[[ $(maildir_count "$T/pf") == 0 ]] || fail "a mail arrived without TLS although TLS was required"

step "4. starttls=opportunistic against a Postfix without TLS: delivered"
clear_spool
gen_access 30 "$T/in/four.log"
write_conf "$PORT" "starttls = opportunistic" "tls_ca_file = $T/pki/good.crt"
ship_tls "$T/in/four.log"
expect_rc 0
"$PF" wait-delivered "$T/pf" 1 60 || fail "the opportunistic mail did not arrive"
"$REASSEMBLE" "$T/pf/maildir/new" "$T/out/4" "$T/key" >"$T/out/4.txt" || fail "reassembly failed"
id=$(awk -v s="$T/in/four.log" '$5 == s {print $1}' "$T/out/4.txt")
[[ -n "$id" ]] || fail "no shipment for four.log"
cmp "$T/out/4/$id.content" "$T/in/four.log" || fail "content differs from the input"
echo "PASS"
