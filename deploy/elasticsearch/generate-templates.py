#!/usr/bin/env python3
"""generate-templates.py - builds logpost's Elasticsearch index templates and
ILM policy from the ECS field list and the Filebeat module field lists.

Run once (again only when the inputs or the rules below change), from the
repository root or anywhere:

    deploy/elasticsearch/generate-templates.py [--shared ../shared]

Inputs (read-only, not part of the repository):
    <shared>/corpus/es-contract/ecs-v9.4.0/generated/csv/fields.csv   ECS 9.4.0
    <shared>/corpus/schema/filebeat-*/_meta/fields.yml               module fields
Outputs (committed; logpost reads them, never the inputs):
    deploy/elasticsearch/ilm-policy-logpost-logs.json
    deploy/elasticsearch/index-template-logpost-logs-<dataset>.json
    ingester/es_setup.templates.inc   the same JSON, compact, embedded in
                                      logpost-ingest (setup-elasticsearch)

Rules: ECS fields of the field sets our events use (base, data_stream, ecs,
event, log, error, related, source, http, url, user_agent; only first-level
fields of host, user and service), ECS types and multi-fields as given
(geo_point for source.geo.location, long nanoseconds for event.duration,
wildcard/match_only_text where ECS says so); the Filebeat module fields under
mysql.slowlog.*, nginx.access.*, apache.access.* with Beats' default type
keyword, migration aliases left out; logpost's own keyword fields
(mysql.slowlog.query_fingerprint / query_digest, logpost.*). Unknown string
fields map to keyword (dynamic template), dates are never guessed.

Each file's _meta.logpost_digest is the SHA-256 of its canonical JSON
without that key; setup-elasticsearch compares it with what the cluster holds
to decide "unchanged" or "updated".
"""

import argparse
import csv
import hashlib
import json
import os
import sys

try:
    import yaml  # only to read the Filebeat field lists
except ImportError:  # pragma: no cover
    sys.exit("generate-templates.py needs python3-yaml (apt-get install python3-yaml)")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

ECS_FULL_SETS = {"base", "data_stream", "ecs", "event", "log", "error", "related", "source", "http", "url",
                 "user_agent"}
ECS_FIRST_LEVEL_SETS = {"host", "user", "service"}
ECS_WEB_ONLY = {"http", "url", "user_agent"}
POLICY = "logpost-logs"
PRIORITY = 250  # above the stack's logs-*-* template (100) and Elastic integrations (200)

DATASETS = {
    "mysql.slowlog": {"module": "mysql", "schema": "filebeat-mysql-slowlog", "web": False,
                      "description": "MySQL/MariaDB slow query log events shipped by logpost"},
    "nginx.access": {"module": "nginx", "schema": "filebeat-nginx-access", "web": True,
                     "description": "nginx access log events shipped by logpost"},
    "apache.access": {"module": "apache", "schema": "filebeat-apache-access", "web": True,
                      "description": "Apache HTTP Server access log events shipped by logpost"},
}

# logpost's own fields (no ECS or Filebeat field exists for them).
EXTRA_FIELDS = {
    "mysql.slowlog": {
        "mysql.slowlog.query_fingerprint": {"type": "keyword", "ignore_above": 8191},
        "mysql.slowlog.query_digest": {"type": "keyword", "ignore_above": 1024},
        "mysql.slowlog.query": {"type": "keyword", "ignore_above": 8191,
                                "fields": {"text": {"type": "match_only_text"}}},
        "mysql.thread_id": {"type": "long"},
    },
}
COMMON_EXTRA = {
    "logpost.tenant": {"type": "keyword", "ignore_above": 1024},
    "logpost.shipment_id": {"type": "keyword", "ignore_above": 1024},
    "logpost.source": {"type": "keyword", "ignore_above": 1024},
}


def leaf_mapping(ftype, indexed):
    m = {"type": ftype}
    if ftype == "keyword":
        m["ignore_above"] = 1024
    if not indexed:
        m["index"] = False
        if ftype in ("keyword", "long", "date", "ip", "boolean"):
            m["doc_values"] = False
    if ftype == "scaled_float":
        m["scaling_factor"] = 1000
    return m


def ecs_fields(shared, web):
    path = os.path.join(shared, "corpus/es-contract/ecs-v9.4.0/generated/csv/fields.csv")
    rows = list(csv.DictReader(open(path, newline="", encoding="utf-8")))
    chosen = {}
    for r in rows:
        fset, name, ftype = r["Field_Set"], r["Field"], r["Type"]
        if fset in ECS_WEB_ONLY and not web:
            continue
        if fset in ECS_FULL_SETS:
            pass
        elif fset in ECS_FIRST_LEVEL_SETS and name.count(".") == 1:
            pass
        else:
            continue
        if ftype == "nested":
            continue
        chosen[name] = (ftype, r["Indexed"] == "true")
    return chosen


def module_fields(shared, dataset):
    info = DATASETS[dataset]
    path = os.path.join(shared, "corpus/schema", info["schema"], "_meta/fields.yml")
    doc = yaml.safe_load(open(path, encoding="utf-8"))
    out = {}

    def walk(prefix, fields):
        for f in fields:
            name = prefix + f["name"]
            ftype = f.get("type", "keyword")
            if ftype == "group":
                walk(name + ".", f.get("fields", []))
            elif ftype == "alias":
                continue  # Filebeat 6.x migration aliases: not ours to keep alive
            else:
                out[name] = {"array": "keyword"}.get(ftype, ftype)

    walk(info["module"] + ".", doc)
    return out


def set_path(props, dotted, mapping):
    parts = dotted.split(".")
    node = props
    for p in parts[:-1]:
        entry = node.setdefault(p, {})
        if "type" in entry and entry["type"] != "object":
            raise SystemExit("field %s sits under leaf %s" % (dotted, p))
        node = entry.setdefault("properties", {})
    if parts[-1] in node and "properties" in node[parts[-1]]:
        return  # an object already holds children: ECS 'object' rows add nothing
    node[parts[-1]] = mapping


def build_properties(shared, dataset):
    web = DATASETS[dataset]["web"]
    ecs = ecs_fields(shared, web)
    leaves = {n: t for n, (t, _) in ecs.items() if t != "object"}
    props = {}
    multi = {}
    for name in sorted(ecs, key=lambda n: (n.count("."), n)):
        ftype, indexed = ecs[name]
        parent = name.rsplit(".", 1)[0] if "." in name else None
        if parent in leaves:  # "url.original.text": a multi-field of url.original
            multi.setdefault(parent, {})[name.rsplit(".", 1)[1]] = {"type": ftype}
            continue
        if ftype == "object":
            if not any(other.startswith(name + ".") for other in ecs):
                set_path(props, name, {"type": "object"})
            continue
        set_path(props, name, leaf_mapping(ftype, indexed))
    for parent, fields in multi.items():
        node = props
        parts = parent.split(".")
        for p in parts[:-1]:
            node = node[p]["properties"]
        node[parts[-1]]["fields"] = fields
    for name, ftype in sorted(module_fields(shared, dataset).items()):
        set_path(props, name, leaf_mapping(ftype, True))
    for name, mapping in sorted({**COMMON_EXTRA, **EXTRA_FIELDS.get(dataset, {})}.items()):
        set_path(props, name, mapping)
    return props


def with_digest(obj, meta_holder):
    canonical = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    meta_holder["_meta"]["logpost_digest"] = hashlib.sha256(canonical.encode()).hexdigest()
    return obj


def index_template(shared, dataset):
    info = DATASETS[dataset]
    tpl = {
        "index_patterns": ["logs-%s-*" % dataset],
        "data_stream": {},
        "priority": PRIORITY,
        "_meta": {"managed_by": "logpost", "description": info["description"], "ecs_version": "9.4.0"},
        "template": {
            "settings": {"index": {"lifecycle": {"name": POLICY}, "codec": "best_compression",
                                   "mapping": {"total_fields": {"limit": 2000}}}},
            "mappings": {
                "date_detection": False,
                "dynamic_templates": [{"strings_as_keyword": {"match_mapping_type": "string",
                                                              "mapping": {"type": "keyword", "ignore_above": 1024}}}],
                "properties": build_properties(shared, dataset),
            },
        },
    }
    return with_digest(tpl, tpl)


def ilm_policy():
    policy = {
        "_meta": {"managed_by": "logpost",
                  "description": "logpost log data streams: roll over daily or at 50 GB per primary shard, "
                                 "delete after 90 days"},
        "phases": {
            "hot": {"min_age": "0ms", "actions": {"rollover": {"max_age": "1d", "max_primary_shard_size": "50gb"}}},
            "delete": {"min_age": "90d", "actions": {"delete": {}}},
        },
    }
    doc = {"policy": policy}
    return with_digest(doc, policy)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=os.path.join(REPO, "..", "shared"))
    args = ap.parse_args()

    resources = [("ilm_policy", POLICY, "ilm-policy-%s.json" % POLICY, ilm_policy())]
    for dataset in DATASETS:
        name = "logpost-logs-%s" % dataset
        resources.append(("index_template", name, "index-template-%s.json" % name, index_template(args.shared, dataset)))

    for _, _, fname, obj in resources:
        with open(os.path.join(HERE, fname), "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=2, sort_keys=False, ensure_ascii=False)
            f.write("\n")

    inc = ["// es_setup.templates.inc - GENERATED by deploy/elasticsearch/generate-templates.py; do not edit.",
           "// The resources setup-elasticsearch installs, in order (the policy before the",
           "// templates that name it); the same JSON as deploy/elasticsearch/*.json, compact.",
           "// Included by es_setup.cpp only."]
    for kind, name, fname, obj in resources:
        compact = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
        if ")logpost_json\"" in compact:
            raise SystemExit("delimiter clash")
        inc.append('{"%s", "%s", "%s",\n R"logpost_json(%s)logpost_json"},' % (kind, name, fname, compact))
    with open(os.path.join(REPO, "ingester", "es_setup.templates.inc"), "w", encoding="utf-8") as f:
        f.write("\n".join(inc) + "\n")
    for _, name, fname, obj in resources:
        print("wrote %s (%s, %d bytes compact)" % (fname, name, len(json.dumps(obj, separators=(",", ":")))))


if __name__ == "__main__":
    main()
