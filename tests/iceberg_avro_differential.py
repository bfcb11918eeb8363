#!/usr/bin/env python3
"""Checks floe's Iceberg Avro files with an independent Avro implementation
(Debian's python3-avro), in both directions:

1. floe writes a manifest and a manifest list; python3-avro reads them, and
   every field is checked against the Iceberg v2 spec's schemas (names,
   field ids, Avro types, required/optional) and against the values written.
2. python3-avro writes files (deflate and null codecs, every Avro type
   Iceberg uses); floe reads them back and must give the same records.

Usage: iceberg_avro_differential.py PATH/TO/iceberg_avro_tool
"""
import datetime
import json
import os
import subprocess
import sys
import tempfile

import warnings

import avro.errors
import avro.schema
from avro.datafile import DataFileReader, DataFileWriter
from avro.io import DatumReader, DatumWriter

TOOL = sys.argv[1]
# Iceberg's int-keyed maps are arrays with logicalType "map", which Avro
# libraries do not know and read as the arrays they are.
warnings.simplefilter("ignore", avro.errors.IgnoredLogicalType)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def opt(t):
    return ["null", t]


# The spec's v2 manifest_entry (format/spec.md, "Manifests"): field id ->
# (name, Avro type as JSON, required). Nested records are checked separately.
ENTRY = {
    0: ("status", "int"),
    1: ("snapshot_id", opt("long")),
    3: ("sequence_number", opt("long")),
    4: ("file_sequence_number", opt("long")),
}
DATA_FILE = {
    134: ("content", "int"),
    100: ("file_path", "string"),
    101: ("file_format", "string"),
    103: ("record_count", "long"),
    104: ("file_size_in_bytes", "long"),
    131: ("key_metadata", opt("bytes")),
    140: ("sort_order_id", opt("int")),
}
INT_MAPS = {  # field id -> (name, key id, value id, value type)
    108: ("column_sizes", 117, 118, "long"),
    109: ("value_counts", 119, 120, "long"),
    110: ("null_value_counts", 121, 122, "long"),
    137: ("nan_value_counts", 138, 139, "long"),
    125: ("lower_bounds", 126, 127, "bytes"),
    128: ("upper_bounds", 129, 130, "bytes"),
}
LISTS = {132: ("split_offsets", 133, "long"), 135: ("equality_ids", 136, "int")}
MANIFEST_FILE = {
    500: ("manifest_path", "string"),
    501: ("manifest_length", "long"),
    502: ("partition_spec_id", "int"),
    517: ("content", "int"),
    515: ("sequence_number", "long"),
    516: ("min_sequence_number", "long"),
    503: ("added_snapshot_id", "long"),
    504: ("added_files_count", "int"),
    505: ("existing_files_count", "int"),
    506: ("deleted_files_count", "int"),
    512: ("added_rows_count", "long"),
    513: ("existing_rows_count", "long"),
    514: ("deleted_rows_count", "long"),
    519: ("key_metadata", opt("bytes")),
}
FIELD_SUMMARY = {509: ("contains_null", "boolean"), 518: ("contains_nan", opt("boolean")),
                 510: ("lower_bound", opt("bytes")), 511: ("upper_bound", opt("bytes"))}


def by_id(record_schema):
    return {f["field-id"]: f for f in record_schema["fields"]}


def check_fields(where, record_schema, expected):
    fields = by_id(record_schema)
    for fid, (name, avro_type) in expected.items():
        f = fields.get(fid)
        check(f is not None, f"{where}: no field with field-id {fid} ({name})")
        if f is None:
            continue
        check(f["name"] == name, f"{where}: field {fid} is named {f['name']}, the spec says {name}")
        check(f["type"] == avro_type, f"{where}: field {fid} ({name}) is {f['type']}, the spec says {avro_type}")
        if isinstance(avro_type, list):
            check(f.get("default", "missing") is None, f"{where}: optional field {name} lacks default null")


def read(path):
    with open(path, "rb") as fh:
        reader = DataFileReader(fh, DatumReader())
        meta = {k: v.decode() for k, v in reader.meta.items()}
        records = list(reader)
        reader.close()
    return meta, records


def floe_read(path):
    out = subprocess.run([TOOL, "read", path], capture_output=True, text=True)
    check(out.returncode == 0, f"floe could not read {path}: {out.stderr}")
    return json.loads(out.stdout) if out.returncode == 0 else {"metadata": {}, "records": []}


EPOCH = datetime.date(1970, 1, 1)


def shown(value):
    """python3-avro's value as floe's tool prints it (bytes as hex, a date
    as its day number: floe keeps Avro's physical values)."""
    if isinstance(value, datetime.date):
        return (value - EPOCH).days
    if isinstance(value, bytes):
        return {"hex": value.hex()}
    if isinstance(value, dict):
        return {k: shown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shown(v) for v in value]
    return value


def floe_writes(tmp):
    r = subprocess.run([TOOL, "write", tmp], capture_output=True, text=True)
    check(r.returncode == 0, f"floe write failed: {r.stderr}")
    # The manifest.
    meta, records = read(os.path.join(tmp, "manifest.avro"))
    for key in ("schema", "schema-id", "partition-spec", "partition-spec-id", "format-version", "content"):
        check(key in meta, f"manifest metadata lacks {key}")
    check(meta.get("format-version") == "2", "manifest format-version is not 2")
    check(meta.get("content") == "data", "manifest content is not data")
    check(json.loads(meta.get("partition-spec", "null")) == [
        {"name": "region", "transform": "identity", "source-id": 2, "field-id": 1000},
        {"name": "ts_day", "transform": "day", "source-id": 3, "field-id": 1001}], "manifest partition-spec")
    table_schema = json.loads(meta.get("schema", "{}"))
    check([f["id"] for f in table_schema.get("fields", [])] == [1, 2, 3], "manifest schema field ids")
    schema = json.loads(meta["avro.schema"])
    check(schema["name"] == "manifest_entry", "manifest record is not manifest_entry")
    check_fields("manifest_entry", schema, ENTRY)
    data_file = by_id(schema)[2]
    check(data_file["name"] == "data_file", "field 2 is not data_file")
    r2 = data_file["type"]
    check(r2["name"] == "r2", "data_file record is not named r2")
    check_fields("data_file", r2, DATA_FILE)
    for fid, (name, key_id, value_id, value_type) in INT_MAPS.items():
        f = by_id(r2).get(fid)
        check(f is not None and f["name"] == name, f"data_file: no {name} ({fid})")
        if f is None:
            continue
        array = f["type"][1]
        check(f["type"][0] == "null" and array["type"] == "array" and array.get("logicalType") == "map",
              f"{name}: not an optional array with logicalType map")
        kv = array["items"]
        check(kv["name"] == f"k{key_id}_v{value_id}", f"{name}: items record is {kv['name']}")
        check(by_id(kv).get(key_id, {}).get("type") == "int", f"{name}: key {key_id} is not an int")
        check(by_id(kv).get(value_id, {}).get("type") == value_type, f"{name}: value {value_id} is not {value_type}")
    for fid, (name, element_id, element_type) in LISTS.items():
        f = by_id(r2).get(fid)
        check(f is not None and f["type"][1] == {"type": "array", "items": element_type, "element-id": element_id},
              f"{name} ({fid}): not an optional array of {element_type} with element-id {element_id}")
    partition = by_id(r2)[102]["type"]
    check(partition["name"] == "r102", "partition record is not named r102")
    check(by_id(partition)[1000]["type"] == opt("string"), "partition region is not optional string")
    check(by_id(partition)[1001]["type"] == opt({"type": "int", "logicalType": "date"}),
          "partition ts_day (day of a timestamptz) is not an optional date")
    check(len(records) == 3, f"manifest has {len(records)} entries")
    for i, e in enumerate(records):
        f = e["data_file"]
        check(e["status"] == 1 and e["snapshot_id"] is None and e["sequence_number"] is None,
              f"entry {i}: a new entry is ADDED with its ids inherited")
        check(f["file_path"] == f"data/region=eu/{i}.parquet", f"entry {i}: file_path {f['file_path']}")
        check(f["file_format"] == "PARQUET", f"entry {i}: file_format")
        check(shown(f["partition"]) == {"region": "eu", "ts_day": 19000 + i}, f"entry {i}: partition {f['partition']}")
        check(f["record_count"] == 10 + i and f["file_size_in_bytes"] == 1000 + i, f"entry {i}: counts")
        check(f["value_counts"] == [{"key": 1, "value": 10 + i}], f"entry {i}: value_counts {f['value_counts']}")
        check(f["lower_bounds"] == [{"key": 1, "value": (1).to_bytes(8, "little")}], f"entry {i}: lower_bounds")
        check(f["upper_bounds"] == [{"key": 2, "value": b"eu"}], f"entry {i}: upper_bounds")
        check(f["column_sizes"] is None, f"entry {i}: column_sizes should be null when not given")

    # A delete manifest: content "deletes", entries of position delete files.
    meta, records = read(os.path.join(tmp, "deletes.avro"))
    check(meta.get("content") == "deletes", "delete manifest content is not deletes")
    check_fields("manifest_entry", json.loads(meta["avro.schema"]), ENTRY)
    check(len(records) == 1, f"delete manifest has {len(records)} entries")
    if records:
        f = records[0]["data_file"]
        check(f["content"] == 1 and f["file_path"] == "data/region=eu/0-deletes.parquet" and f["record_count"] == 2,
              f"position delete entry {f}")
        check(f["lower_bounds"] == [{"key": 2147483546, "value": b"data/region=eu/0.parquet"}],
              f"position delete file_path bound {f['lower_bounds']}")

    # The manifest list.
    meta, records = read(os.path.join(tmp, "manifest-list.avro"))
    check(meta.get("snapshot-id") == "123456789", "manifest list snapshot-id")
    check(meta.get("parent-snapshot-id") == "null", "manifest list parent-snapshot-id")
    check(meta.get("sequence-number") == "1", "manifest list sequence-number")
    check(meta.get("format-version") == "2", "manifest list format-version")
    schema = json.loads(meta["avro.schema"])
    check(schema["name"] == "manifest_file", "manifest list record is not manifest_file")
    check_fields("manifest_file", schema, MANIFEST_FILE)
    partitions = by_id(schema)[507]
    array = partitions["type"][1]
    check(partitions["name"] == "partitions" and array["element-id"] == 508, "partitions: element-id 508")
    check_fields("field_summary", array["items"], FIELD_SUMMARY)
    check(len(records) == 1, "manifest list has one manifest")
    m = records[0]
    check(m["manifest_path"].endswith("/manifest.avro") and m["added_files_count"] == 3 and m["added_rows_count"] == 33,
          f"manifest list record {m}")
    check(m["partitions"] == [{"contains_null": False, "contains_nan": None, "lower_bound": b"eu", "upper_bound": b"eu"},
                              {"contains_null": False, "contains_nan": None, "lower_bound": None, "upper_bound": None}],
          f"partition summaries {m['partitions']}")
    # floe reads its own files back as python3-avro does.
    for name in ("manifest.avro", "deletes.avro", "manifest-list.avro"):
        _, theirs = read(os.path.join(tmp, name))
        ours = floe_read(os.path.join(tmp, name))["records"]
        check(ours == shown(theirs), f"{name}: floe and python3-avro read different records")


GENERIC = {
    "type": "record", "name": "everything", "fields": [
        {"name": "b", "type": "boolean"},
        {"name": "i", "type": "int"},
        {"name": "l", "type": "long"},
        {"name": "f", "type": "float"},
        {"name": "d", "type": "double"},
        {"name": "s", "type": "string"},
        {"name": "raw", "type": "bytes"},
        {"name": "u", "type": {"type": "fixed", "name": "uuid_fixed", "size": 16}},
        {"name": "e", "type": {"type": "enum", "name": "color", "symbols": ["RED", "GREEN"]}},
        {"name": "maybe", "type": ["null", "long"], "default": None},
        {"name": "list", "type": {"type": "array", "items": "string"}},
        {"name": "map", "type": {"type": "map", "values": "int"}},
        {"name": "nested", "type": {"type": "record", "name": "inner", "fields": [{"name": "x", "type": "double"}]}},
    ]}


def python_writes(tmp):
    records = []
    for n in range(2000):  # several blocks
        records.append({"b": n % 2 == 0, "i": -n, "l": n * 10_000_000_000, "f": 0.5 * n, "d": n / 3,
                        "s": f"row {n} \u00e9\u4e2d", "raw": bytes([n % 256, 0, 255]), "u": bytes(range(16)),
                        "e": "GREEN" if n % 3 else "RED", "maybe": None if n % 5 == 0 else n,
                        "list": [str(n)] * (n % 4), "map": {"k": n, "j": -1} if n % 2 else {},
                        "nested": {"x": -n / 7}})
    for codec in ("null", "deflate"):
        path = os.path.join(tmp, f"python-{codec}.avro")
        with open(path, "wb") as fh:
            writer = DataFileWriter(fh, DatumWriter(), avro.schema.parse(json.dumps(GENERIC)), codec=codec)
            writer.set_meta("format-version", b"2")
            for i, r in enumerate(records):
                writer.append(r)
                if i % 700 == 699:
                    writer.sync()
            writer.close()
        got = floe_read(path)
        check(got["metadata"].get("format-version") == "2", f"{codec}: metadata not read")
        _, theirs = read(path)
        check(got["records"] == shown(theirs), f"{codec}: floe read {len(got['records'])} records, not the same as "
                                               f"python3-avro's {len(theirs)}")


with tempfile.TemporaryDirectory() as tmp:
    floe_writes(tmp)
    python_writes(tmp)

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("iceberg avro differential: manifests, manifest lists and python3-avro files agree")
