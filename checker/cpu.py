"""The CPUs a check may use and how torch's OpenMP threads wait on them: set once, at a process's edge."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

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


def best_dtype() -> torch.dtype:
    """bf16 only pays where the CPU has native bf16 (AVX512-BF16/AMX); elsewhere it is emulated and slower.
    CHECKER_DTYPE=fp32|bf16 overrides (one number format across a mixed fleet; the signature records it)."""
    import torch  # noqa: PLC0415 - torch only where a model part is built, never at a CLI's start

    dtypes = {"bf16": torch.bfloat16, "bfloat16": torch.bfloat16, "fp32": torch.float32, "float32": torch.float32}
    chosen = os.environ.get("CHECKER_DTYPE", "").strip().lower()
    if chosen:
        if chosen not in dtypes:
            raise ValueError(f"CHECKER_DTYPE={chosen!r} is not one of fp32, bf16")
        return dtypes[chosen]
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return torch.float32
    return torch.bfloat16 if ("avx512_bf16" in flags or "amx_bf16" in flags) else torch.float32


def setup_process() -> None:
    """What every process that checks sets first (the CLI, a server, a Ray worker, a benchmark): quiet
    libraries, tokenizers without their own thread pool, and OpenMP's short spin-waits (before any torch op)."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # an environment default rather than transformers' switch: importing transformers.utils costs ~0.9 s
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    tame_openmp()


def tame_openmp() -> None:
    """Short spin-waits for torch's OpenMP threads, unless the user chose a policy. Read when torch's OpenMP
    runtime starts, so call it before the first torch op (the CLI's entry point, a cluster worker's start)."""
    if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
        os.environ["GOMP_SPINCOUNT"] = SPINCOUNT
