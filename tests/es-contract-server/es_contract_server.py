#!/usr/bin/env python3
"""es_contract_server.py - a contract test server for logpost's Elasticsearch sink.

THIS IS NOT ELASTICSEARCH. It implements, for tests only, the documented
contract of the three Elasticsearch APIs logpost uses, as described by the
bulk API spec, Elasticsearch's own REST tests for bulk and the example
requests and responses of elasticsearch-specification (see
../shared/corpus/es-contract/): it checks what logpost sends and answers the
way Elasticsearch documents it answers. Passing against it proves that
logpost keeps the contract, not that a real cluster behaves the same in every
corner.

  POST|PUT /_bulk, /<index>/_bulk
      Validates the framing (Content-Type application/x-ndjson - stricter than
      Elasticsearch, which also takes application/json -, optional
      Content-Encoding gzip, body ends with "\\n", one action line
      {"create"|"index"|"update"|"delete": {...}} plus a source line where
      one is due, known metadata keys only), then answers per item:
      201 created, 409 version_conflict_engine_exception for a `create` of
      an existing _id, 400 for an empty or over-long _id, for anything but
      `create` into a data stream (index names logs-*-*), for a data-stream
      document without @timestamp, for a source line that is not a JSON
      object, and for injected mapping errors. Documents are stored by
      (index, _id) in memory.
  PUT|GET /_index_template/<name>        stores / returns index templates
  PUT|GET /_ilm/policy/<name>            stores / returns ILM policies
  GET /                                  a cluster-info answer

Control endpoints for tests (not Elasticsearch APIs):
  POST /_contract/faults  body: JSON faults (below), replaces the current ones
  POST /_contract/reset   clears documents, templates, policies, stats, faults
  GET  /_contract/docs    {"count": n, "indices": {index: {_id: source}}}
  GET  /_contract/stats   counters: requests, connections, items by status, ...
  POST /_contract/shutdown

Faults (JSON object; every key optional; counts are consumed as used):
  "request_status": {"status": 503, "count": 2}   next bulk requests answer
                                                  this status as a whole
  "item_status": {"status": 429, "count": 500}    next items (a storm) fail so
  "random_item_failures": {"probability": 0.1, "status": 429}
  "max_body_bytes": 100000     larger (uncompressed) bulk bodies get 413
  "slow": {"delay": 2.0, "count": 1}              answer after a delay
  "reset": {"count": 1}        read the request, then reset the connection
  "lost_response": {"count": 1} process (store) the request, then reset the
                               connection instead of answering
  "mapping": {"field.path": "long"|"ip"|"boolean"|"date"} documents whose
                               field does not fit the type get a 400
                               document_parsing_exception
  "seed": 1                    for the random failures

Start-up: binds 127.0.0.1 on a free port (or --port), writes the port to --port-file
(atomically) and prints it. It exits by itself when --parent-pid dies, after
--idle-exit seconds without requests, or on /_contract/shutdown.
Auth: with --api-key K every request needs "Authorization: ApiKey K";
with --basic user:password, basic auth; otherwise none (401 otherwise).
TLS: with --tls-cert FILE --tls-key FILE (PEM) it speaks HTTPS only. A client
that rejects the certificate aborts the connection; stats
"tls_handshake_failures" counts the handshakes that failed on the server's
side (with TLS 1.3 a client's rejection may come after it), and the server
carries on.

Python 3 standard library only.
"""

import argparse
import base64
import gzip
import json
import os
import random
import socket
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BULK_ACTIONS = ("create", "index", "update", "delete")
KNOWN_META = {"_index", "_id", "routing", "if_seq_no", "if_primary_term", "version", "version_type",
              "pipeline", "require_alias", "require_data_stream", "dynamic_templates", "retry_on_conflict",
              "op_type", "list_executed_pipelines", "_source"}


class State:
    def __init__(self, seed=1):
        self.lock = threading.Lock()
        self.reset(seed)

    def reset(self, seed=1):
        self.docs = {}          # index -> {id: source}
        self.templates = {}
        self.policies = {}
        self.faults = {}
        self.rng = random.Random(seed)
        self.seq_no = 0
        self.stats = {"requests": 0, "bulk_requests": 0, "connections": 0, "items": 0,
                      "created": 0, "conflicts": 0, "rejected": 0, "failed_injected": 0,
                      "request_faults": 0, "resets": 0, "too_large": 0, "bytes_received": 0,
                      "gzip_requests": 0, "tls_handshake_failures": 0}
        self.last_activity = time.monotonic()

    def set_faults(self, faults):
        self.faults = json.loads(json.dumps(faults))  # deep copy
        self.rng = random.Random(self.faults.get("seed", 1))

    def take(self, name):
        """Consumes one use of a counted fault; returns its spec or None."""
        spec = self.faults.get(name)
        if not spec or spec.get("count", 0) <= 0:
            return None
        spec["count"] -= 1
        return spec


STATE = State()
SERVER_AUTH = {"api_key": None, "basic": None}


def es_error(status, etype, reason, **extra):
    err = {"type": etype, "reason": reason}
    err.update(extra)
    return {"error": {"root_cause": [{"type": etype, "reason": reason}], **err}, "status": status}


def field_at(doc, path):
    """The value at a dotted path, following objects and dotted keys."""
    if path in doc:
        return True, doc[path]
    head, _, rest = path.partition(".")
    while rest:
        if isinstance(doc, dict) and head in doc and isinstance(doc[head], dict):
            found, value = field_at(doc[head], rest)
            if found:
                return True, value
        nxt, _, rest = rest.partition(".")
        head = head + "." + nxt
        if isinstance(doc, dict) and head in doc and not rest:
            return True, doc[head]
    return False, None


def fits(value, ftype):
    if value is None:
        return True
    if isinstance(value, list):
        return all(fits(v, ftype) for v in value)
    if ftype == "long":
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return -2**63 <= value < 2**63
        if isinstance(value, float):
            return value == int(value)
        if isinstance(value, str):
            try:
                int(value)
                return True
            except ValueError:
                return False
        return False
    if ftype == "boolean":
        return isinstance(value, bool) or value in ("true", "false", "")
    if ftype == "ip":
        if not isinstance(value, str):
            return False
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in value else socket.AF_INET, value)
            return True
        except OSError:
            return False
    if ftype == "date":
        return isinstance(value, (int, str))
    return True


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "es-contract-server/1 (not Elasticsearch)"

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            # The handshake runs here, in the connection's own thread, so a
            # client that stalls or refuses our certificate blocks no one.
            try:
                self.request.do_handshake()
            except (ssl.SSLError, OSError):
                with STATE.lock:
                    STATE.stats["tls_handshake_failures"] += 1
                raise
        super().setup()
        with STATE.lock:
            STATE.stats["connections"] += 1

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass  # the client went away, or we reset the connection on purpose

    def log_message(self, fmt, *args):
        if os.environ.get("ES_CONTRACT_VERBOSE"):
            sys.stderr.write("es-contract: " + (fmt % args) + "\n")

    # -- plumbing --------------------------------------------------------
    def send_json(self, status, obj, extra_headers=()):
        body = json.dumps(obj, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra_headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(length) if length else b""

    def authorized(self):
        if SERVER_AUTH["api_key"] is None and SERVER_AUTH["basic"] is None:
            return True
        got = self.headers.get("Authorization", "")
        if SERVER_AUTH["api_key"] is not None and got == "ApiKey " + SERVER_AUTH["api_key"]:
            return True
        if SERVER_AUTH["basic"] is not None and got == "Basic " + base64.b64encode(
                SERVER_AUTH["basic"].encode()).decode():
            return True
        return False

    def reset_connection(self):
        with STATE.lock:
            STATE.stats["resets"] += 1
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.connection.close()

    def dispatch(self):
        with STATE.lock:
            STATE.stats["requests"] += 1
            STATE.last_activity = time.monotonic()
        body = self.read_body()
        path, _, _query = self.path.partition("?")
        parts = [p for p in path.split("/") if p]
        if parts and parts[0] == "_contract":
            return self.control(parts[1:], body)
        if not self.authorized():
            return self.send_json(401, es_error(401, "security_exception",
                                                "missing authentication credentials for REST request [%s]" % path),
                                  [("WWW-Authenticate", 'Basic realm="security", ApiKey')])
        if not parts and self.command in ("GET", "HEAD"):
            return self.send_json(200, {"name": "es-contract-server", "cluster_name": "logpost-contract",
                                        "version": {"number": "8.15.0", "build_flavor": "contract-test"},
                                        "tagline": "Not Elasticsearch: a contract test server for logpost"})
        if parts and parts[-1] == "_bulk" and len(parts) <= 2 and self.command in ("POST", "PUT"):
            return self.bulk(parts[0] if len(parts) == 2 else None, body)
        if len(parts) == 2 and parts[0] == "_index_template":
            return self.index_template(parts[1], body)
        if len(parts) == 3 and parts[0] == "_ilm" and parts[1] == "policy":
            return self.ilm_policy(parts[2], body)
        return self.send_json(404 if self.command != "POST" else 405,
                              es_error(404, "no_handler_found",
                                       "no handler found for uri [%s] and method [%s]" % (path, self.command)))

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = lambda self: self.dispatch()

    # -- control ---------------------------------------------------------
    def control(self, parts, body):
        what = parts[0] if parts else ""
        if what == "faults" and self.command in ("POST", "PUT"):
            with STATE.lock:
                STATE.set_faults(json.loads(body or b"{}"))
            return self.send_json(200, {"acknowledged": True})
        if what == "reset":
            with STATE.lock:
                STATE.reset()
                if body:
                    STATE.set_faults(json.loads(body))
            return self.send_json(200, {"acknowledged": True})
        if what == "docs":
            with STATE.lock:
                indices = {k: dict(v) for k, v in STATE.docs.items()}
            return self.send_json(200, {"count": sum(len(v) for v in indices.values()), "indices": indices})
        if what == "stats":
            with STATE.lock:
                stats = dict(STATE.stats)
                stats["templates"] = sorted(STATE.templates)
                stats["policies"] = sorted(STATE.policies)
            return self.send_json(200, stats)
        if what == "shutdown":
            self.send_json(200, {"acknowledged": True})
            threading.Thread(target=self.server.shutdown, daemon=True).start()
            return None
        return self.send_json(404, {"error": "unknown control endpoint"})

    # -- bulk ------------------------------------------------------------
    def bulk(self, default_index, raw):
        with STATE.lock:
            STATE.stats["bulk_requests"] += 1
            STATE.stats["bytes_received"] += len(raw)
            # One request-level fault per request, in this order.
            reset = STATE.take("reset")
            slow = None if reset else STATE.take("slow")
            forced = None if reset or slow else STATE.take("request_status")
            lost = None if reset or slow or forced else STATE.take("lost_response")
            max_bytes = STATE.faults.get("max_body_bytes")
        if reset:
            return self.reset_connection()
        if slow:
            time.sleep(float(slow.get("delay", 1.0)))
        if forced:
            status = int(forced.get("status", 503))
            with STATE.lock:
                STATE.stats["request_faults"] += 1
            kind = "es_rejected_execution_exception" if status == 429 else "injected_fault_exception"
            return self.send_json(status, es_error(status, kind, "injected request-level %d" % status))

        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype != "application/x-ndjson":
            return self.send_json(406, {"error": "Content-Type header [%s] is not supported" % ctype,
                                        "status": 406})
        encoding = self.headers.get("Content-Encoding", "").lower()
        if encoding == "gzip":
            with STATE.lock:
                STATE.stats["gzip_requests"] += 1
            try:
                raw = gzip.decompress(raw)
            except (OSError, EOFError) as e:
                return self.send_json(400, es_error(400, "parse_exception", "bad gzip body: %s" % e))
        elif encoding not in ("", "identity"):
            return self.send_json(400, es_error(400, "illegal_argument_exception",
                                                "unsupported Content-Encoding [%s]" % encoding))
        if max_bytes is not None and len(raw) > int(max_bytes):
            with STATE.lock:
                STATE.stats["too_large"] += 1
            return self.send_json(413, es_error(413, "content_too_long",
                                                "request body is too large (%d > %d)" % (len(raw), max_bytes)))
        if not raw:
            return self.send_json(400, es_error(400, "action_request_validation_exception",
                                                "Validation Failed: 1: no requests added;"))
        if not raw.endswith(b"\n"):
            return self.send_json(400, es_error(400, "illegal_argument_exception",
                                                "The bulk request must be terminated by a newline [\\n]"))

        lines = raw[:-1].split(b"\n")
        ops = []
        i = 0
        while i < len(lines):
            lineno = i + 1
            try:
                action = json.loads(lines[i])
            except ValueError as e:
                return self.send_json(400, es_error(400, "x_content_parse_exception",
                                                    "[%d:1] Malformed action/metadata line [%d]: %s" % (lineno, lineno, e)))
            if not isinstance(action, dict) or len(action) != 1:
                return self.send_json(400, es_error(400, "illegal_argument_exception",
                                                    "Malformed action/metadata line [%d], expected FIELD_NAME but found [END_OBJECT]" % lineno))
            (op, meta), = action.items()
            if op not in BULK_ACTIONS:
                return self.send_json(400, es_error(400, "illegal_argument_exception",
                                                    "Malformed action/metadata line [%d], expected field [create], [delete], [index] or [update] but found [%s]" % (lineno, op)))
            if not isinstance(meta, dict):
                return self.send_json(400, es_error(400, "illegal_argument_exception",
                                                    "Malformed action/metadata line [%d], expected START_OBJECT" % lineno))
            for key in meta:
                if key not in KNOWN_META:
                    return self.send_json(400, es_error(400, "illegal_argument_exception",
                                                        "Action/metadata line [%d] contains an unknown parameter [%s]" % (lineno, key)))
            index = meta.get("_index", default_index)
            if not index:
                return self.send_json(400, es_error(400, "action_request_validation_exception",
                                                    "Validation Failed: 1: index is missing;"))
            source = None
            if op != "delete":
                i += 1
                if i >= len(lines):
                    return self.send_json(400, es_error(400, "illegal_argument_exception",
                                                        "The bulk request must be terminated by a newline [\\n]"))
                source = lines[i]
            ops.append((op, index, meta, source))
            i += 1

        start = time.monotonic()
        items = [self.bulk_item(op, index, meta, source) for op, index, meta, source in ops]
        if lost:
            # Stored, but the answer never arrives: the client must resend and
            # take the 409s as delivered.
            return self.reset_connection()
        errors = any(list(it.values())[0]["status"] >= 300 for it in items)
        took = int((time.monotonic() - start) * 1000)
        return self.send_json(200, {"took": took, "errors": errors, "items": items})

    def bulk_item(self, op, index, meta, source):
        doc_id = meta.get("_id")
        is_stream = index.startswith("logs-") and index.count("-") >= 2
        backing = ".ds-%s-2026.01.01-000001" % index if is_stream else index

        def err(status, etype, reason, **extra):
            with STATE.lock:
                STATE.stats["rejected" if status < 500 and status != 429 else "failed_injected"] += 1
            item = {"_index": backing, "_id": doc_id, "status": status,
                    "error": dict({"type": etype, "reason": reason}, **extra)}
            return {op: item}

        with STATE.lock:
            STATE.stats["items"] += 1
            storm = STATE.take("item_status")
            rnd = STATE.faults.get("random_item_failures")
            random_hit = bool(rnd) and STATE.rng.random() < float(rnd.get("probability", 0))
            mapping = dict(STATE.faults.get("mapping") or {})
        if storm or random_hit:
            status = int((storm or rnd).get("status", 429))
            if status == 429:
                return err(429, "es_rejected_execution_exception",
                           "rejected execution of primary operation [injected] on EsThreadPoolExecutor[name = contract/write, queue capacity = 10000]")
            return err(status, "unavailable_shards_exception", "[%s][0] primary shard is not active (injected)" % backing)

        if doc_id is not None and not isinstance(doc_id, str):
            doc_id = str(doc_id)
        if doc_id == "":
            return err(400, "illegal_argument_exception", "if _id is specified it must not be empty")
        if doc_id is not None and len(doc_id.encode()) > 512:
            return err(400, "illegal_argument_exception",
                       "id [%s...] is too long, must be no longer than 512 bytes but was: %d" % (doc_id[:32], len(doc_id.encode())))
        if is_stream and op != "create":
            return err(400, "illegal_argument_exception",
                       "only write ops with an op_type of create are allowed in data streams")
        if op in ("update", "delete"):
            return err(400, "illegal_argument_exception", "this contract server implements create and index only")
        try:
            doc = json.loads(source)
        except ValueError as e:
            return err(400, "document_parsing_exception", "[1:1] failed to parse: %s" % e)
        if not isinstance(doc, dict):
            return err(400, "document_parsing_exception", "[1:1] failed to parse: root is not an object")
        if is_stream and "@timestamp" not in doc:
            return err(400, "illegal_argument_exception", "data stream timestamp field [@timestamp] is missing")
        for field, ftype in mapping.items():
            found, value = field_at(doc, field)
            if found and not fits(value, ftype):
                preview = json.dumps(value)[:40]
                return err(400, "document_parsing_exception",
                           "[1:2] failed to parse field [%s] of type [%s] in document with id '%s'. Preview of field's value: '%s'"
                           % (field, ftype, doc_id, preview),
                           caused_by={"type": "illegal_argument_exception", "reason": "For input string: %s" % preview})
        if doc_id is None:
            doc_id = "auto-%d" % STATE.seq_no
        with STATE.lock:
            stored = STATE.docs.setdefault(index, {})
            if doc_id in stored and op == "create":
                STATE.stats["conflicts"] += 1
                item = {"_index": backing, "_id": doc_id, "status": 409,
                        "error": {"type": "version_conflict_engine_exception",
                                  "reason": "[%s]: version conflict, document already exists (current version [1])" % doc_id,
                                  "index": backing, "shard": "0"}}
                return {op: item}
            created = doc_id not in stored
            stored[doc_id] = doc
            STATE.seq_no += 1
            STATE.stats["created"] += 1
            seq = STATE.seq_no
        return {op: {"_index": backing, "_id": doc_id, "_version": 1, "result": "created" if created else "updated",
                     "_shards": {"total": 2, "successful": 1, "failed": 0}, "_seq_no": seq, "_primary_term": 1,
                     "status": 201 if created else 200}}

    # -- templates and policies ----------------------------------------
    def index_template(self, name, body):
        if self.command == "PUT" or self.command == "POST":
            try:
                tpl = json.loads(body)
            except ValueError as e:
                return self.send_json(400, es_error(400, "x_content_parse_exception", str(e)))
            patterns = tpl.get("index_patterns") if isinstance(tpl, dict) else None
            if not patterns or not isinstance(tpl.get("template", {}), dict):
                return self.send_json(400, es_error(400, "action_request_validation_exception",
                                                    "Validation Failed: 1: index patterns are missing;"))
            with STATE.lock:
                STATE.templates[name] = tpl
            return self.send_json(200, {"acknowledged": True})
        if self.command in ("GET", "HEAD"):
            with STATE.lock:
                tpl = STATE.templates.get(name)
            if tpl is None:
                return self.send_json(404, es_error(404, "resource_not_found_exception",
                                                    "index template matching [%s] not found" % name))
            return self.send_json(200, {"index_templates": [{"name": name, "index_template": tpl}]})
        return self.send_json(405, es_error(405, "method_not_allowed", self.command))

    def ilm_policy(self, name, body):
        if self.command == "PUT":
            try:
                doc = json.loads(body)
            except ValueError as e:
                return self.send_json(400, es_error(400, "x_content_parse_exception", str(e)))
            policy = doc.get("policy") if isinstance(doc, dict) else None
            if not isinstance(policy, dict) or not isinstance(policy.get("phases"), dict):
                return self.send_json(400, es_error(400, "x_content_parse_exception",
                                                    "[put_lifecycle_request] policy with phases required"))
            with STATE.lock:
                version = STATE.policies.get(name, {}).get("version", 0) + 1
                STATE.policies[name] = {"version": version, "modified_date": "2026-01-01T00:00:00.000Z",
                                        "policy": policy}
            return self.send_json(200, {"acknowledged": True})
        if self.command in ("GET", "HEAD"):
            with STATE.lock:
                entry = STATE.policies.get(name)
            if entry is None:
                return self.send_json(404, es_error(404, "resource_not_found_exception",
                                                    "Lifecycle policy not found: %s" % name))
            return self.send_json(200, {name: entry})
        return self.send_json(405, es_error(405, "method_not_allowed", self.command))


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A refused TLS handshake or a client gone mid-request is part of the
        # tests; print one line, not a traceback.
        if os.environ.get("ES_CONTRACT_VERBOSE"):
            sys.stderr.write("es-contract: connection error: %r\n" % (sys.exc_info()[1],))


def watchdog(server, parent_pid, idle_exit):
    while True:
        time.sleep(0.2)
        if parent_pid:
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                break
            except PermissionError:
                pass
        if idle_exit and time.monotonic() - STATE.last_activity > idle_exit:
            break
    server.shutdown()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port-file", help="write the chosen port here (atomically)")
    ap.add_argument("--port", type=int, default=0, help="listen on this port (default: a free one)")
    ap.add_argument("--faults", default="{}", help="initial faults, JSON")
    ap.add_argument("--parent-pid", type=int, default=0, help="exit when this process is gone")
    ap.add_argument("--idle-exit", type=float, default=600.0, help="exit after this many idle seconds")
    ap.add_argument("--api-key", help="require Authorization: ApiKey <this>")
    ap.add_argument("--basic", help="require basic auth user:password")
    ap.add_argument("--tls-cert", help="serve HTTPS with this PEM certificate (chain)")
    ap.add_argument("--tls-key", help="the PEM private key of --tls-cert")
    args = ap.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        ap.error("--tls-cert and --tls-key go together")

    SERVER_AUTH["api_key"] = args.api_key
    SERVER_AUTH["basic"] = args.basic
    STATE.set_faults(json.loads(args.faults))

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.allow_reuse_address = True
    server = QuietServer(("127.0.0.1", args.port), Handler)
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    print("es-contract-server listening on %s://127.0.0.1:%d (not Elasticsearch)"
          % ("https" if args.tls_cert else "http", port), flush=True)
    threading.Thread(target=watchdog, args=(server, args.parent_pid, args.idle_exit), daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
