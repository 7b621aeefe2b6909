#!/usr/bin/env python3
"""Samples a process's CPU time every 10 ms, until it ends.

The process is the descendant of PARENT_PID named NAME (a command started
through time(1), taskset(1) or perf(1)). Prints one line per sample: the Unix
time and the process's CPU seconds so far (user + system, all its threads).

Usage: cpu_samples.py PARENT_PID NAME
"""
import os
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def stat(pid):
    """(name, parent pid, CPU seconds) of pid, or None once it is gone."""
    try:
        with open("/proc/%s/stat" % pid) as f:
            text = f.read()
    except OSError:
        return None
    name = text[text.index("(") + 1:text.rindex(")")]
    fields = text[text.rindex(")") + 2:].split()
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def find(parent, name):
    """The pid of the descendant of parent named name, or None."""
    parents = {}
    named = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            s = stat(pid)
            if s:
                parents[int(pid)] = s[1]
                if s[0] == name:
                    named.append(int(pid))
    for pid in named:
        up = parents.get(pid)
        while up and up != parent:
            up = parents.get(up)
        if up == parent:
            return pid
    return None


def main(argv):
    parent, name = int(argv[0]), argv[1]
    pid = None
    while pid is None:
        if stat(parent) is None:
            return 0  # ended before it was found
        pid = find(parent, name)
        if pid is None:
            time.sleep(0.002)
    out = sys.stdout
    while True:
        s = stat(pid)
        if s is None:
            return 0
        out.write("%.4f %.2f\n" % (time.time(), s[2]))
        out.flush()
        time.sleep(0.01)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
