#!/usr/bin/env python3
"""Renders every Jinja-dialect conformance case with Python's Jinja2 (what dbt
uses) and checks that Jinja2 agrees with the expected output floe is tested
against. Cases marked `--- floe-only` (floe extensions) are skipped.

    python3 tests/jinja_differential.py src/tmpl/testdata
"""
import json
import pathlib
import sys

import jinja2


def load_cases(path):
    cases, current, target = [], None, None
    lines = path.read_text().split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the file's final newline ends the last line
    for number, line in enumerate(lines, 1):
        if line.startswith("=== "):
            current = {"name": line[4:], "line": number, "dialect": "pebble", "files": {}, "sections": {}}
            cases.append(current)
            target = None
            continue
        if line.startswith("--- ") and current is not None:
            what = line[4:]
            if what.startswith("dialect "):
                current["dialect"] = what[8:]
                target = None
            elif what == "floe-only":
                current["floe_only"] = True
                target = None
            elif what.startswith("file "):
                target = current["files"].setdefault(what[5:], [])
            else:
                target = current["sections"].setdefault(what, [])
            continue
        if target is not None:
            target.append(line)
    return cases


def text(lines):
    # A section is its lines joined; the newline before the next marker is not
    # part of it (the C++ runner reads sections the same way).
    return "\n".join(lines)


def main():
    root = pathlib.Path(sys.argv[1])
    checked = failed = 0
    for path in sorted(root.glob("*.cases")):
        for case in load_cases(path):
            if case["dialect"] != "jinja" or case.get("floe_only") or "output" not in case["sections"]:
                continue
            files = {name: text(lines) for name, lines in case["files"].items()}
            env = jinja2.Environment(loader=jinja2.DictLoader(files), extensions=["jinja2.ext.do"])
            context = json.loads(text(case["sections"].get("context", ["{}"])) or "{}")
            expected = text(case["sections"]["output"])
            checked += 1
            try:
                got = env.from_string(text(case["sections"]["template"])).render(**context)
            except Exception as e:  # noqa: BLE001 - any Jinja2 failure is a mismatch
                got = f"<{type(e).__name__}: {e}>"
            if got != expected:
                failed += 1
                print(f"{path.name}:{case['line']}: {case['name']}\n  expected {expected!r}\n  jinja2   {got!r}")
    print(f"jinja2 differential: {checked} cases checked, {failed} differ")
    return 1 if failed or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
