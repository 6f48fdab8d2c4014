# Shared setup for the shipper integration tests (sourced).
# Needs: root (Postfix's master), postfix, python3. Exit 77 = skipped.
set -euo pipefail

: "${LOGPOST_SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}"
: "${LOGPOST_BUILD_DIR:?LOGPOST_BUILD_DIR must point at the build directory}"
SHIP="$LOGPOST_BUILD_DIR/shipper/logpost-ship"
REASSEMBLE="$LOGPOST_BUILD_DIR/tests/integration/shipper/shipment-reassemble"
PF="$LOGPOST_SOURCE_DIR/tests/tools/private-postfix"

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }

[[ $EUID -eq 0 ]] || skip "needs root to start a private Postfix"
command -v postfix >/dev/null || skip "postfix is not installed"
[[ -x "$SHIP" ]] || fail "$SHIP not built"
[[ -x "$REASSEMBLE" ]] || fail "$REASSEMBLE not built"

T="$(mktemp -d)"
chmod 755 "$T"
cleanup() {
    "$PF" stop "$T/pf" || true
    if [[ "${KEEP_TMP:-0}" == 1 ]]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

PORT="$("$PF" start "$T/pf")"
mkdir -p "$T/in" "$T/out"
printf 'test-signing-key-%s' "$$" >"$T/key"
chmod 600 "$T/key"
cat >"$T/ship.conf" <<CONF
recipient = logs@logpost.test
mta_port = $PORT
tenant = acme
host_name = db1.example.test
signing_key_file = $T/key
spool_dir = $T/spool
state_file = $T/state/ship.state
user = nobody
max_mail_size = 64k
timezone = Europe/Berlin
smtp_timeout = 30s
CONF

# ship [args...]: runs logpost-ship with the test config; sets RC, OUT (stderr+stdout).
ship() {
    set +e
    OUT="$("$SHIP" --config "$T/ship.conf" "$@" 2>&1)"
    RC=$?
    set -e
    printf '%s\n' "$OUT" | sed 's/^/    | /'
}

expect_rc() {
    [[ "$RC" == "$1" ]] || fail "expected exit $1, got $RC"
}

accepted_count() { grep -c ': accepted: 250' <<<"$OUT" || true; }

# Moves delivered mail aside so each phase counts its own.
archive_maildir() {
    local dest="$T/archive/$1"
    mkdir -p "$dest"
    find "$T/pf/maildir/new" -maxdepth 1 -type f -exec mv -t "$dest" {} +
}

new_count() { find "$T/pf/maildir/new" -maxdepth 1 -type f | wc -l; }

# Deterministic inputs without ../shared: python3, seeded.
gen_access() {  # N OUT
    python3 - "$1" "$2" <<'PY'
import random, sys
n, out = int(sys.argv[1]), sys.argv[2]
r = random.Random(7)
paths = ["/", "/index.html", "/api/v1/items?id=%d", "/static/app.js", "/login"]
with open(out, "w") as f:
    for i in range(n):
        p = r.choice(paths)
        if "%d" in p: p = p % r.randrange(100000)
        f.write('10.0.%d.%d - - [21/Nov/2026:06:%02d:%02d +0100] "GET %s HTTP/1.1" %d %d "-" "Mozilla/5.0 (X11; Linux x86_64) test/%d"\n'
                % (r.randrange(256), r.randrange(256), (i // 60) % 60, i % 60, p, r.choice([200, 200, 304, 404, 500]), r.randrange(50000), r.randrange(10**6)))
PY
}

gen_slow() {  # N OUT
    python3 - "$1" "$2" <<'PY'
import random, sys
n, out = int(sys.argv[1]), sys.argv[2]
r = random.Random(11)
with open(out, "w") as f:
    f.write("/usr/sbin/mariadbd, Version: 10.11.6-MariaDB-log (Debian 12). started with:\n")
    f.write("Tcp port: 3306  Unix socket: /run/mysqld/mysqld.sock\n")
    f.write("Time                 Id Command    Argument\n")
    for i in range(n):
        if i % 3 == 0:
            f.write("# Time: 261121  6:%02d:%02d\n" % ((i // 60) % 60, i % 60))
        f.write("# User@Host: app[app] @ localhost []\n# Thread_id: %d  Schema: shop  QC_hit: No\n" % i)
        f.write("# Query_time: %.6f  Lock_time: 0.000010  Rows_sent: %d  Rows_examined: %d\n"
                % (r.random() * 3, r.randrange(100), r.randrange(100000)))
        f.write("SET timestamp=%d;\n" % (1795240000 + i))
        q = "SELECT o.id, o.total FROM orders o WHERE o.customer_id = %d\n  AND o.created > '2026-11-%02d'\n  ORDER BY o.created DESC LIMIT %d;\n"
        f.write(q % (r.randrange(10**6), r.randrange(1, 28), r.randrange(1, 100)))
PY
}
