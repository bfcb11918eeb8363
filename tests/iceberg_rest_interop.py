#!/usr/bin/env python3
"""floe as an Iceberg REST catalog, driven by an independent client.

Starts `floe server` on loopback with a fresh home, lets floe write a table
(a flow with iceberg.Write), then acts as another engine would with nothing
but HTTP (urllib) and Debian's python3-avro:

- every answer has the fields the REST spec's OpenAPI document requires of
  its response type (ConfigResponse, ListNamespacesResponse,
  CreateNamespaceResponse, GetNamespaceResponse, UpdateNamespacePropertiesResponse,
  ListTablesResponse, LoadTableResult, CommitTableResponse, ErrorModel);
- the loaded table's metadata leads, through its manifest list and manifests
  (read with python3-avro), to exactly the data files and rows floe wrote;
- a client commits a new snapshot of its own (a manifest list it wrote,
  reusing floe's manifests) with requirements; floe's iceberg_scan reads it;
- a stale requirement is refused with 409 CommitFailedException, an unknown
  table with 404 NoSuchTableException, a bad body with 400;
- namespaces and tables are created, renamed and dropped.

usage: iceberg_rest_interop.py FLOE_BINARY
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

try:
    import avro.datafile
    import avro.io
    import avro.schema
except ImportError:
    sys.exit("python3-avro is needed (Debian: apt-get install python3-avro)")

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what)


def call(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read().decode()
            return r.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        text = e.read().decode()
        return e.code, json.loads(text) if text else None


# Required properties of the spec's response schemas (rest-catalog-open-api.yaml).
REQUIRED = {
    "ConfigResponse": ["defaults", "overrides"],
    "ListNamespacesResponse": ["namespaces"],
    "CreateNamespaceResponse": ["namespace"],
    "GetNamespaceResponse": ["namespace"],
    "UpdateNamespacePropertiesResponse": ["updated", "removed"],
    "ListTablesResponse": ["identifiers"],
    "LoadTableResult": ["metadata"],
    "CommitTableResponse": ["metadata-location", "metadata"],
    "TableMetadata": ["format-version", "table-uuid"],
    "ErrorModel": ["message", "type", "code"],
}
# What a v2 table's metadata must hold (the table spec's required fields).
V2_METADATA = ["format-version", "table-uuid", "location", "last-sequence-number", "last-updated-ms",
               "last-column-id", "schemas", "current-schema-id", "partition-specs", "default-spec-id",
               "last-partition-id", "sort-orders", "default-sort-order-id"]


def shaped(kind, doc, status, want_status=200):
    check(status == want_status, f"{kind}: status {status}, expected {want_status}: {doc}")
    if kind == "ErrorModel":
        doc = (doc or {}).get("error", {})
    for field in REQUIRED[kind]:
        check(isinstance(doc, dict) and field in doc, f"{kind} lacks '{field}': {doc}")
    return doc


def read_avro(path):
    with open(path, "rb") as f:
        reader = avro.datafile.DataFileReader(f, avro.io.DatumReader())
        meta = {k: v for k, v in reader.meta.items()}
        rows = list(reader)
        reader.close()
    return meta, rows


def main():
    floe = sys.argv[1]
    work = tempfile.mkdtemp(prefix="floe_rest_interop_")
    home = os.path.join(work, "home")
    server = None
    try:
        flow = os.path.join(work, "write.yml")
        with open(flow, "w") as f:
            f.write("""id: write
namespace: interop
tasks:
  - id: create
    type: iceberg.CreateTable
    table: lake.orders
    columns: [{name: id, type: long, required: true}, {name: region, type: string}]
    partitionBy: [region]
  - id: write
    type: iceberg.Write
    table: lake.orders
    sql: SELECT i AS id, ['eu', 'us'][1 + i % 2] AS region FROM range(0, 1000) t(i)
""")
        r = subprocess.run([floe, "--home", home, "run", flow], capture_output=True, text=True)
        check(r.returncode == 0, "the writing flow failed: " + r.stdout + r.stderr)

        log = open(os.path.join(work, "server.log"), "w")
        server = subprocess.Popen([floe, "--home", home, "server", "--host", "127.0.0.1", "--port", "0",
                                   "--flows", os.path.join(work, "flows")], stdout=subprocess.PIPE,
                                  stderr=log, text=True)
        base = None
        deadline = time.time() + 60
        while time.time() < deadline and base is None:
            line = server.stdout.readline()
            m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line or "")
            if m:
                base = m.group(1)
        if base is None:
            sys.exit("floe server did not start")

        shaped("ConfigResponse", *reversed(call(base, "GET", "/v1/config")))
        doc = shaped("ListNamespacesResponse", *reversed(call(base, "GET", "/v1/namespaces")))
        check(["lake"] in doc.get("namespaces", []), f"namespace lake listed: {doc}")
        doc = shaped("CreateNamespaceResponse",
                     *reversed(call(base, "POST", "/v1/namespaces", {"namespace": ["ext"], "properties": {"a": "1"}})))
        shaped("ErrorModel", *reversed(call(base, "POST", "/v1/namespaces", {"namespace": ["ext"]})), 409)
        shaped("GetNamespaceResponse", *reversed(call(base, "GET", "/v1/namespaces/ext")))
        shaped("UpdateNamespacePropertiesResponse",
               *reversed(call(base, "POST", "/v1/namespaces/ext/properties", {"updates": {"b": "2"}, "removals": ["a"]})))
        doc = shaped("ListTablesResponse", *reversed(call(base, "GET", "/v1/namespaces/lake/tables")))
        check({"namespace": ["lake"], "name": "orders"} in doc.get("identifiers", []), f"lake.orders listed: {doc}")

        # Load the table floe wrote and follow its metadata to the rows.
        loaded = shaped("LoadTableResult", *reversed(call(base, "GET", "/v1/namespaces/lake/tables/orders")))
        meta = loaded["metadata"]
        for field in V2_METADATA:
            check(field in meta, f"metadata lacks '{field}'")
        current = next(s for s in meta["snapshots"] if s["snapshot-id"] == meta["current-snapshot-id"])
        _, manifests = read_avro(current["manifest-list"])
        rows = files = 0
        for m in manifests:
            header, entries = read_avro(m["manifest_path"])
            check(header.get("format-version") == b"2", f"manifest format-version: {header.get('format-version')}")
            for e in entries:
                if e["status"] != 2:
                    files += 1
                    rows += e["data_file"]["record_count"]
                    check(os.path.exists(e["data_file"]["file_path"]), "data file exists: " + e["data_file"]["file_path"])
        check(rows == 1000 and files == 2, f"the manifests hold 1000 rows in 2 files, not {rows} in {files}")

        # Another engine commits a snapshot: its own manifest list, over the
        # same manifests (as a fast-append that adds nothing would).
        list_path = os.path.join(os.path.dirname(current["manifest-list"]), "snap-client.avro")
        with open(current["manifest-list"], "rb") as src, open(list_path, "wb") as dst:
            dst.write(src.read())
        new_id = current["snapshot-id"] + 1
        commit = {
            "requirements": [{"type": "assert-ref-snapshot-id", "ref": "main", "snapshot-id": current["snapshot-id"]},
                             {"type": "assert-table-uuid", "uuid": meta["table-uuid"]}],
            "updates": [{"action": "add-snapshot", "snapshot": {
                "snapshot-id": new_id, "parent-snapshot-id": current["snapshot-id"],
                "sequence-number": meta["last-sequence-number"] + 1, "timestamp-ms": int(time.time() * 1000),
                "manifest-list": list_path, "summary": {"operation": "append"}, "schema-id": meta["current-schema-id"]}},
                {"action": "set-snapshot-ref", "ref-name": "main", "type": "branch", "snapshot-id": new_id},
                {"action": "set-properties", "updates": {"committed-by": "interop"}}],
        }
        doc = shaped("CommitTableResponse", *reversed(call(base, "POST", "/v1/namespaces/lake/tables/orders", commit)))
        check(doc.get("metadata", {}).get("current-snapshot-id") == new_id, "the client's snapshot is current")
        stale = shaped("ErrorModel", *reversed(call(base, "POST", "/v1/namespaces/lake/tables/orders", commit)), 409)
        check(stale.get("type") == "CommitFailedException", f"stale commit: {stale}")
        shaped("ErrorModel", *reversed(call(base, "GET", "/v1/namespaces/lake/tables/nope")), 404)
        shaped("ErrorModel", *reversed(call(base, "POST", "/v1/namespaces/lake/tables/orders", {"updates": 1})), 400)

        # floe reads what the client committed.
        read = os.path.join(work, "read.yml")
        with open(read, "w") as f:
            f.write("""id: read
namespace: interop
tasks:
  - id: q
    type: duckdb.Query
    fetchType: FETCH_ONE
    sql: SELECT count(*) AS n FROM iceberg_scan('lake.orders')
""")
        r = subprocess.run([floe, "--home", home, "run", read, "--json"], capture_output=True, text=True)
        check(r.returncode == 0 and '"n": 1000' in r.stdout.replace('"n":1000', '"n": 1000'),
              "floe reads the client's snapshot: " + r.stdout[-500:] + r.stderr[-500:])

        # Create, rename and drop through the catalog.
        created = shaped("LoadTableResult", *reversed(call(base, "POST", "/v1/namespaces/ext/tables", {
            "name": "t", "schema": {"type": "struct", "fields": [{"id": 1, "name": "x", "required": False, "type": "int"}]}})))
        check(created.get("metadata-location", "").endswith(".metadata.json"), f"created: {created}")
        status, _ = call(base, "POST", "/v1/tables/rename", {"source": {"namespace": ["ext"], "name": "t"},
                                                            "destination": {"namespace": ["ext"], "name": "u"}})
        check(status == 204, f"rename: {status}")
        shaped("ErrorModel", *reversed(call(base, "DELETE", "/v1/namespaces/ext")), 409)
        status, _ = call(base, "DELETE", "/v1/namespaces/ext/tables/u")
        check(status == 204, f"drop table: {status}")
        status, _ = call(base, "DELETE", "/v1/namespaces/ext")
        check(status == 204, f"drop namespace: {status}")
    finally:
        if server:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        sys.exit(1)
    print("iceberg REST interop: every check passed")


if __name__ == "__main__":
    main()
