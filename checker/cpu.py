"""The CPUs a check may use and how torch's OpenMP threads wait on them: set once, at a process's edge."""

from __future__ import annotations

import os
from pathlib import Path

# How long an idle OpenMP thread spins before it sleeps. libgomp's default (300,000 spins) is fast alone but
# collapses beside one busy process (the warm seed check 2.0 s → 10.7 s: the threads spin on cores the other
# process needs); OMP_WAIT_POLICY=PASSIVE (never spin) holds 3.7–3.8 s there but is slower alone (2.4 s), since
# every small op of name-suspect's decoding then wakes sleeping threads. 3,000 spins: 2.0–2.3 s alone, 3.8–3.9 s
# busy (benchmarks/contention.py, two runs of medians of 3).
SPINCOUNT = "3000"


def available_cpus() -> int:
    """CPUs this process may use: its affinity mask, capped by a cgroup v2 CPU quota (containers, CI runners)."""
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            n = min(n, max(1, -(-int(quota) // int(period))))
    except (OSError, ValueError):
        pass
    return max(1, n)


def tame_openmp() -> None:
    """Short spin-waits for torch's OpenMP threads, unless the user chose a policy. Read when torch's OpenMP
    runtime starts, so call it before the first torch op (the CLI's entry point, a cluster worker's start)."""
    if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
        os.environ["GOMP_SPINCOUNT"] = SPINCOUNT
