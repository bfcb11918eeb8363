#!/usr/bin/env python3
"""Validates flow files against `floe schema` with the jsonschema package:
every valid flow must pass, every invalid one must fail.

    schema_check.py FLOE_BINARY --valid A.yml B.yml --invalid C.yml
"""
import json
import subprocess
import sys

import jsonschema
import yaml


def main():
    floe, args = sys.argv[1], sys.argv[2:]
    schema = json.loads(subprocess.run([floe, "schema"], check=True, capture_output=True, text=True).stdout)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    mode, failures, checked = None, 0, 0
    for arg in args:
        if arg in ("--valid", "--invalid"):
            mode = arg
            continue
        with open(arg) as f:
            doc = yaml.safe_load(f)
        errors = list(validator.iter_errors(doc))
        checked += 1
        if mode == "--valid" and errors:
            failures += 1
            print(f"{arg}: expected valid, got: {errors[0].message} at {list(errors[0].absolute_path)}")
        elif mode == "--invalid" and not errors:
            failures += 1
            print(f"{arg}: expected schema errors, got none")
    print(f"schema check: {checked} files, {failures} unexpected")
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
