"""The warm seed check alone and beside one CPU-bound process (a CI runner, an editor's laptop), per thread
setting: a check that shares the CPU must not collapse.

    python benchmarks/contention.py

Each configuration runs in a fresh process (the OpenMP settings are read at start-up): torch's default threads,
`OMP_WAIT_POLICY=PASSIVE` (threads sleep instead of spinning while they wait), and one thread. The busy process is a
pure-Python loop on its own, bounded in time; nothing leaves this machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = r"""
import json, sys, time
from checker.ingest import read_path
from checker.runner import load_checker
from checker.settings import Settings
threads = int(sys.argv[2]) if sys.argv[2] != "0" else None
engine = load_checker(Settings(threads=threads))
doc = read_path(sys.argv[1])
engine.check(doc)
times = []
for _ in range(2):
    t = time.perf_counter(); engine.check(doc); times.append(time.perf_counter() - t)
print(json.dumps({"warm": min(times)}))
"""
BUSY = "import time\nt = time.time()\nwhile time.time() - t < 240:\n    pass\n"
CONFIGS = [("torch default threads", {}, "0"), ("PASSIVE waits (CLI default)", {"OMP_WAIT_POLICY": "PASSIVE"}, "0"),
           ("1 thread", {}, "1")]


def warm(env_extra: dict[str, str], threads: str) -> float:
    seed = ROOT / "seeds" / "000_a4ddab08513021e3.txt"
    out = subprocess.run([sys.executable, "-c", CHILD, str(seed), threads], capture_output=True, text=True,
                         cwd=ROOT, env={**os.environ, **env_extra}, check=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])["warm"]


def main() -> None:
    print(f"CPUs available to this process: {len(os.sched_getaffinity(0))}")
    print(f"{'setting':<28}{'idle s':>8}{'busy s':>8}{'busy/idle':>10}")
    for name, env, threads in CONFIGS:
        idle = warm(env, threads)
        busy_proc = subprocess.Popen([sys.executable, "-c", BUSY])
        try:
            time.sleep(1)
            busy = warm(env, threads)
        finally:
            busy_proc.kill()
        print(f"{name:<28}{idle:8.2f}{busy:8.2f}{busy / idle:10.2f}", flush=True)


if __name__ == "__main__":
    main()
