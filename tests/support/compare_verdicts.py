#!/usr/bin/env python3
"""Compares the verdicts of two runs, as SQLite reads them from the files.

Usage: compare_verdicts.py A.db RUN_A B.db RUN_B [--by-order] [--failed-as-parse-failed]

Prints the differences and exits 1 when the verdicts (item, turn, status,
score, winner, labels) differ. --by-order matches the i-th verdict of each run
(items ordered by their number, then turn) instead of by item id, for formats
that carry no item id (AlpacaEval). --failed-as-parse-failed reads A's judge
errors and out-of-range scores as parse failures, as formats without them
record them (FastChat's -1 and "error").
"""
import re
import sqlite3
import sys


def verdicts(path, run, failed_as_parse_failed):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = db.execute(
        "SELECT item_id, turn, status, score, winner, labels FROM verdict_log WHERE run_id = ?",
        (run,)).fetchall()
    db.close()
    out = []
    for item, turn, status, score, winner, labels in rows:
        if failed_as_parse_failed and status in ("judge_error", "out_of_range"):
            status, score, winner = "parse_failed", None, ""
        if status != "ok":
            score, winner = None, ""
        number = re.search(r"(\d+)$", item)
        key = (re.sub(r"\d+$", "", item), int(number.group(1)) if number else -1, item, turn)
        out.append((key, (status, score, winner, labels)))
    return sorted(out)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    by_order = "--by-order" in sys.argv
    failed = "--failed-as-parse-failed" in sys.argv
    a = verdicts(args[0], int(args[1]), failed)
    b = verdicts(args[2], int(args[3]), False)
    if len(a) != len(b):
        print(f"{len(a)} verdicts against {len(b)}")
        return 1
    differences = 0
    for (ka, va), (kb, vb) in zip(a, b):
        same_turn = (ka[3] == kb[3]) if by_order else (ka[2:] == kb[2:])
        if not same_turn or va != vb:
            differences += 1
            if differences <= 5:
                print(f"{ka[2]} turn {ka[3]}: {va} against {kb[2]} turn {kb[3]}: {vb}")
    if differences:
        print(f"{differences} of {len(a)} verdicts differ")
        return 1
    print(f"{len(a)} verdicts equal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
