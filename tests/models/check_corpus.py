#!/usr/bin/env python3
"""Checks the corpus itself (not floe): every steps.yml keeps to the format,
every file it names exists, every expected CSV parses. Exit 1 on a problem.

    python3 tests/models/check_corpus.py
"""
import csv
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent
STEP_KEYS = {"name", "replace", "delete", "env", "command", "exit_code",
             "summary", "output_contains", "queries"}
SUMMARY = re.compile(r"^PASS=\d+ WARN=\d+ ERROR=\d+ SKIP=\d+ TOTAL=\d+$")


def check_case(case, problems):
    def bad(msg):
        problems.append(f"{case.relative_to(ROOT)}: {msg}")

    if not (case / "project" / "dbt_project.yml").is_file():
        bad("no project/dbt_project.yml")
    if not (case / "project" / "profiles.yml").is_file():
        bad("no project/profiles.yml")
    doc = yaml.safe_load((case / "steps.yml").read_text())
    for i, step in enumerate(doc.get("steps", []), 1):
        where = f"step {i} ({step.get('name')})"
        for k in set(step) - STEP_KEYS:
            bad(f"{where}: unknown key {k}")
        if not isinstance(step.get("command"), str) or not isinstance(step.get("exit_code"), int):
            bad(f"{where}: command and exit_code are required")
        for r in step.get("replace", []) or []:
            if not (case / r["from"]).is_file():
                bad(f"{where}: replace from {r['from']} missing")
            if not r["to"].startswith("project/"):
                bad(f"{where}: replace to {r['to']} is outside project/")
        if "summary" in step:
            s = step["summary"]
            m = SUMMARY.match(s)
            if not m:
                bad(f"{where}: summary {s!r} is not in the Done. line format")
            else:
                n = dict(kv.split("=") for kv in s.split())
                if sum(int(n[k]) for k in ("PASS", "WARN", "ERROR", "SKIP")) != int(n["TOTAL"]):
                    bad(f"{where}: summary counts do not add up to TOTAL")
        for q in step.get("queries", []) or []:
            if "order by" not in q["sql"].lower() and "count(" not in q["sql"].lower() \
                    and "from main.payment_stats" not in q["sql"] and "from main.unrelated" not in q["sql"]:
                bad(f"{where}: query without ORDER BY: {q['sql'][:60]}")
            p = case / q["expect"]
            if not p.is_file():
                bad(f"{where}: expected file {q['expect']} missing")
                continue
            rows = list(csv.reader(p.open(newline="")))
            if not rows or any(len(r) != len(rows[0]) for r in rows):
                bad(f"{where}: {q['expect']} is empty or ragged")


def main():
    problems = []
    cases = sorted(p.parent for p in ROOT.rglob("steps.yml"))
    for case in cases:
        check_case(case, problems)
    for p in problems:
        print(p)
    print(f"{len(cases) - len({p.split(':')[0] for p in problems})} passed, "
          f"{len({p.split(':')[0] for p in problems})} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
