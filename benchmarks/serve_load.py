"""Load on `checker serve` (loopback only, bounded in count and time): latency and throughput for the seed at
concurrency 1, 4 and 16, and the server's RSS before and after many requests.

    python benchmarks/serve_load.py                  # ~8 min on 2 cores: 8/16/32 seed checks, 500 short ones
    python benchmarks/serve_load.py --quick          # ~2 min: 3/8/16 and 100
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_a4ddab08513021e3.txt"
SHORT = ROOT / "tests" / "samples" / "wire.txt"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def fire(url: str, body: bytes, n: int, concurrency: int, deadline: float) -> tuple[list[float], list[int], float]:
    def one(_: int) -> tuple[float, int]:
        if time.monotonic() > deadline:
            return 0.0, -1
        t = time.perf_counter()
        code = httpx.post(url + "/v1/check", content=body, headers={"Content-Type": "text/plain"},
                          timeout=600).status_code
        return time.perf_counter() - t, code

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, range(n)))
    wall = time.perf_counter() - t0
    return [s for s, c in results if c == 200], [c for _, c in results], wall


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--budget", type=float, default=900, help="seconds; requests past it are not sent")
    args = ap.parse_args()
    plan = [(1, 3), (4, 8), (16, 16)] if args.quick else [(1, 8), (4, 16), (16, 32)]
    memory_n = 100 if args.quick else 500
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "checker", "serve", "--port", str(port), "--queue", "64",
                             "--timeout", "600"], cwd=ROOT, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + args.budget
    try:
        while True:
            try:
                if httpx.get(url + "/readyz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit("server did not become ready")
            time.sleep(0.25)
        print(f"server ready in {time.perf_counter() - t0:.1f} s (process start + model load); "
              f"RSS {rss_mb(proc.pid):.0f} MB", flush=True)
        seed = SEED.read_bytes()
        fire(url, seed, 2, 1, deadline)  # warm
        print(f"\nseed article ({len(seed)} bytes), one server, --workers 1")
        print(f"{'concurrency':>11} {'requests':>8} {'ok':>4} {'429':>4} {'p50 s':>7} {'p95 s':>7} {'req/s':>7}")
        for conc, n in plan:
            ok, codes, wall = fire(url, seed, n, conc, deadline)
            print(f"{conc:>11} {n:>8} {len(ok):>4} {codes.count(429):>4} {pct(ok, 50):>7.2f} {pct(ok, 95):>7.2f} "
                  f"{len(ok) / wall:>7.2f}", flush=True)
        short = SHORT.read_bytes()
        fire(url, short, 5, 1, deadline)
        before = rss_mb(proc.pid)
        ok, codes, wall = fire(url, short, memory_n, 4, deadline)
        after = rss_mb(proc.pid)
        print(f"\nmemory: {len(ok)} of {memory_n} short checks ({len(short)} bytes, concurrency 4) in {wall:.0f} s; "
              f"RSS before {before:.0f} MB, after {after:.0f} MB ({after / before:.2f}x)")
        metrics = httpx.get(url + "/metrics").text
        load = next(x for x in metrics.splitlines() if x.startswith("checker_model_load_seconds "))
        print(f"model load (from /metrics): {float(load.split()[1]):.1f} s")
    finally:
        proc.terminate()
        proc.wait(60)


if __name__ == "__main__":
    main()
