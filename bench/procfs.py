"""Processes and their CPU time from Linux's /proc, for benchmarks that charge a server (all its
processes, PostgreSQL's included) for the requests it answered."""

from __future__ import annotations

import os
from collections.abc import Sequence


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/PID/stat after the command name (fields 3 on), or None if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def parent(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return None if fields is None else int(fields[1])


def process_tree(root: int) -> list[int]:
    """`root` and its descendants (a server's workers, a postmaster's backends)."""
    parents = {int(entry): parent(int(entry)) for entry in os.listdir("/proc") if entry.isdigit()}
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, of in parents.items() if of in frontier]
        tree += frontier
    return tree


def cpu_seconds(pids: Sequence[int]) -> float:
    """CPU of `pids` so far, children that exited included (the postmaster reaps backends)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            total += sum(int(value) for value in fields[11:15]) / tick
    return total
