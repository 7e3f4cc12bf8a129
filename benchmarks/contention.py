"""The warm seed check alone and beside one CPU-bound process (a CI runner, an editor's laptop), per thread
setting: a check that shares the CPU must not collapse.

    python benchmarks/contention.py

Each configuration runs in a fresh process (the OpenMP settings are read at start-up): libgomp's default wait
(300,000 spins before a waiting thread sleeps), `OMP_WAIT_POLICY=PASSIVE` (never spin), `GOMP_SPINCOUNT=3000` (the
CLI's default, checker/cpu.py) and one thread; each is measured `--reps` times (medians: shared machines are
noisy), configurations interleaved. The busy process is a
pure-Python loop on its own, bounded in time; nothing leaves this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = r"""
import json, sys, time
from checker.ingest import read_path
from checker.engine import load_engine
from checker.settings import Settings
threads = int(sys.argv[2]) if sys.argv[2] != "0" else None
engine = load_engine(Settings(threads=threads))
doc = read_path(sys.argv[1])
engine.check(doc)
times = []
for _ in range(2):
    t = time.perf_counter(); engine.check(doc); times.append(time.perf_counter() - t)
print(json.dumps({"warm": min(times)}))
"""
BUSY = "import time\nt = time.time()\nwhile time.time() - t < 240:\n    pass\n"
CONFIGS = [("libgomp default (300k spins)", {}, "0"), ("OMP_WAIT_POLICY=PASSIVE", {"OMP_WAIT_POLICY": "PASSIVE"}, "0"),
           ("GOMP_SPINCOUNT=3000 (CLI)", {"GOMP_SPINCOUNT": "3000"}, "0"), ("1 thread", {}, "1")]
OPENMP = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")


def warm(env_extra: dict[str, str], threads: str) -> float:
    seed = ROOT / "seeds" / "000_a4ddab08513021e3.txt"
    env = {**{k: v for k, v in os.environ.items() if k not in OPENMP}, **env_extra}
    out = subprocess.run([sys.executable, "-c", CHILD, str(seed), threads], capture_output=True, text=True,
                         cwd=ROOT, env=env, check=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])["warm"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    print(f"CPUs available to this process: {len(os.sched_getaffinity(0))}")
    idle: dict[str, list[float]] = {name: [] for name, _, _ in CONFIGS}
    busy: dict[str, list[float]] = {name: [] for name, _, _ in CONFIGS}
    for _ in range(args.reps):
        for name, env, threads in CONFIGS:
            idle[name].append(warm(env, threads))
            busy_proc = subprocess.Popen([sys.executable, "-c", BUSY])
            try:
                time.sleep(1)
                busy[name].append(warm(env, threads))
            finally:
                busy_proc.kill()
    print(f"{'setting':<30}{'idle s':>8}{'busy s':>8}{'busy/idle':>10}   (medians of {args.reps})")
    for name, _, _ in CONFIGS:
        i, b = statistics.median(idle[name]), statistics.median(busy[name])
        print(f"{name:<30}{i:8.2f}{b:8.2f}{b / i:10.2f}", flush=True)


if __name__ == "__main__":
    main()
