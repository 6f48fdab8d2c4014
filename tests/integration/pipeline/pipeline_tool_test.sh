#!/usr/bin/env bash
# Runs the real logpost-pipeline binary on small configs and inputs and
# checks its standard output, standard error and exit status.
set -euo pipefail

: "${LOGPOST_BUILD_DIR:?set by ctest}"
bin="$LOGPOST_BUILD_DIR/tools/pipeline/logpost-pipeline"
[[ -x "$bin" ]] || { echo "missing $bin"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
check() {  # check NAME EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then
    echo "ok   - $1"
  else
    echo "FAIL - $1"
    diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") || true
    failures=$((failures + 1))
  fi
}

# 1. A whole Logstash-style config over a line file.
cat >"$work/access.conf" <<'CONF'
input { file { path => "/var/log/nginx/access.log" } }
filter {
  # client verb path status
  dissect { mapping => { "message" => "%{client} %{verb} %{path} %{status}" } }
  mutate { convert => { "status" => "integer" } }
  if [status] >= 500 {
    mutate { add_tag => ["server_error"] add_field => { "alert" => "%{verb} %{path}" } }
  } else if [status] == 200 and [path] =~ /^\/health/ {
    drop { }
  }
  kv { source => "path" field_split => "&?" target => "query" }
}
output { elasticsearch { hosts => ["http://localhost:9200"] } }
CONF
printf '%s\n' \
  '10.0.0.1 GET /api?id=7&x=y 503' \
  '10.0.0.2 GET /health 200' \
  'garbage' \
  '10.0.0.3 POST /form 201' >"$work/access.log"
expected='{"message":"10.0.0.1 GET /api?id=7&x=y 503","client":"10.0.0.1","verb":"GET","path":"/api?id=7&x=y","status":503,"alert":"GET /api?id=7&x=y","tags":["server_error"],"query":{"id":"7","x":"y"}}
{"message":"garbage","tags":["_dissectfailure"]}
{"message":"10.0.0.3 POST /form 201","client":"10.0.0.3","verb":"POST","path":"/form","status":201}'
set +e
actual=$("$bin" --config "$work/access.conf" --stats "$work/access.log" 2>"$work/stderr")
rc=$?
set -e
check "line codec exit status" 0 "$rc"
check "line codec output" "$expected" "$actual"
check "input section notice" 1 "$(grep -c "access.conf:1:1: notice: 'input' section ignored" "$work/stderr")"
check "stats line" 1 "$(grep -c '^# events in=4 out=3 dropped=1$' "$work/stderr")"

# Standard input gives the same result.
actual=$("$bin" --config "$work/access.conf" <"$work/access.log" 2>/dev/null)
check "standard input" "$expected" "$actual"

# 2. JSON codec: documents in, bad lines tagged, not lost.
cat >"$work/json.conf" <<'CONF'
filter { mutate { rename => { "lvl" => "[log][level]" } uppercase => ["[log][level]"] } }
CONF
printf '%s\n' '{"lvl":"warn","n":1}' 'not json' '{"@timestamp":"2024-05-01T12:00:00Z","lvl":"info"}' >"$work/in.json"
expected='{"n":1,"log":{"level":"WARN"}}
{"message":"not json","tags":["_jsonparsefailure"]}
{"@timestamp":"2024-05-01T12:00:00.000Z","log":{"level":"INFO"}}'
actual=$("$bin" --config "$work/json.conf" --codec json "$work/in.json")
check "json codec output" "$expected" "$actual"

# 3. A broken config: every error, file:line:column, exit 78, no output.
cat >"$work/bad.conf" <<'CONF'
filter {
  nosuch { }
  mutate { convert => { "a" => "complex" } }
  if [x] =~ /(/ { drop { } }
}
CONF
set +e
out=$("$bin" --config "$work/bad.conf" "$work/access.log" 2>"$work/stderr")
rc=$?
set -e
check "bad config exit status" 78 "$rc"
check "bad config prints no events" "" "$out"
check "unknown plugin error" 1 "$(grep -c "bad.conf:2:3: unknown filter plugin 'nosuch'" "$work/stderr")"
check "unknown convert type error" 1 "$(grep -c "bad.conf:3:.*unknown type 'complex'" "$work/stderr")"
check "bad regex error" 1 "$(grep -c "bad.conf:4:13: invalid regular expression" "$work/stderr")"

# 4. Usage and input errors.
set +e
"$bin" "$work/access.log" >/dev/null 2>&1; check "no pipeline is a usage error" 64 "$?"
"$bin" --config "$work/access.conf" "$work/does-not-exist" >/dev/null 2>&1; check "missing input exits 66" 66 "$?"
"$bin" --config "$work/missing.conf" "$work/access.log" >/dev/null 2>&1; check "missing config exits 78" 78 "$?"
set -e

# 5. Long lines are cut, not lost.
head -c 300 /dev/zero | tr '\0' 'x' >"$work/long.log"
printf '\n' >>"$work/long.log"
actual=$("$bin" --config "$work/json.conf" --max-entry-bytes 128 "$work/long.log" | grep -c '"_logpost_entry_cut"')
check "long entry cut into tagged pieces" 3 "$actual"

# 6. --kind mysql-slow splits entries (banner skipped); --config replaces
#    the built-in pipeline.
printf '%s\n' \
  '/usr/sbin/mariadbd, Version: 10.11.6-MariaDB-log (Debian 12). started with:' \
  'Tcp port: 3306  Unix socket: /run/mysqld/mysqld.sock' \
  'Time                 Id Command    Argument' \
  '# Time: 240501 12:00:00' \
  '# User@Host: app[app] @ localhost []' \
  '# Query_time: 1.5  Lock_time: 0.0 Rows_sent: 1  Rows_examined: 10' \
  'SELECT 1;' \
  '# User@Host: app[app] @ localhost []' \
  '# Query_time: 0.2  Lock_time: 0.0 Rows_sent: 0  Rows_examined: 0' \
  'SELECT 2;' >"$work/slow.log"
echo 'filter { mutate { add_tag => "entry" } }' >"$work/slow.conf"
expected='{"message":"# Time: 240501 12:00:00\n# User@Host: app[app] @ localhost []\n# Query_time: 1.5  Lock_time: 0.0 Rows_sent: 1  Rows_examined: 10\nSELECT 1;","tags":["entry"]}
{"message":"# User@Host: app[app] @ localhost []\n# Query_time: 0.2  Lock_time: 0.0 Rows_sent: 0  Rows_examined: 0\nSELECT 2;","tags":["entry"]}'
actual=$("$bin" --kind mysql-slow --config "$work/slow.conf" "$work/slow.log")
check "mysql-slow entries" "$expected" "$actual"

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
