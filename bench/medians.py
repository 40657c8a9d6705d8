#!/usr/bin/env python3
"""Prints the medians (ms) of a hyperfine --export-json file, each with its
ratio to one command of the same run: machines are shared and noisy, so only
same-run ratios mean anything.

usage: bench/medians.py RESULTS.json BASELINE     (BASELINE: a command's -n name)
"""
import json
import sys

results, baseline = sys.argv[1], sys.argv[2]
r = {x["command"]: x["median"] * 1000 for x in json.load(open(results))["results"]}
base = r[baseline]
width = max(len(name) for name in r) + 2
print(f"{'command':<{width}} {'median ms':>10} {'x ' + baseline:>10}")
for name, ms in r.items():
    print(f"{name:<{width}} {ms:>10.2f} {ms / base:>10.2f}")
