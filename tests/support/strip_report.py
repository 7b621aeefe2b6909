#!/usr/bin/env python3
"""A JSON report without what differs between two databases of the same results.

Usage: strip_report.py REPORT.json [KEY...]
Prints the report with every member named id, run_id, started_at, finished_at or
created_at (and each KEY given) removed, sorted and indented: two reports of the
same verdicts print the same text.
"""
import json
import sys

dropped = {"id", "run_id", "started_at", "finished_at", "created_at", *sys.argv[2:]}


def clean(value):
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if k not in dropped}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


with open(sys.argv[1]) as f:
    print(json.dumps(clean(json.load(f)), indent=1, sort_keys=True))
