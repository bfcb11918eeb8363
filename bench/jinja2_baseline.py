#!/usr/bin/env python3
"""The Jinja2 side of bench_template: the same templates, timed the same way.

    jinja2_baseline.py MODEL_FILE MODEL_ITERATIONS PROPERTY_ITERATIONS
prints: model_seconds property_seconds model_output_length
"""
import sys
import time

import jinja2


def main():
    model = open(sys.argv[1]).read()
    model_n, prop_n = int(sys.argv[2]), int(sys.argv[3])
    env = jinja2.Environment()
    ctx = {
        "config": lambda **kw: "",
        "ref": lambda name: f'"analytics"."main"."{name}"',
        "is_incremental": lambda: True,
        "this": '"analytics"."main"."fct_orders"',
    }
    start = time.perf_counter()
    for _ in range(model_n):
        out = env.from_string(model).render(**ctx)
    model_s = time.perf_counter() - start
    prop = env.from_string("Hello {{ inputs.name }} from {{ flow.namespace }}")
    pctx = {"inputs": {"name": "ada"}, "flow": {"namespace": "company.team"}}
    start = time.perf_counter()
    for _ in range(prop_n):
        prop.render(**pctx)
    prop_s = time.perf_counter() - start
    print(model_s, prop_s, len(out))


if __name__ == "__main__":
    main()
