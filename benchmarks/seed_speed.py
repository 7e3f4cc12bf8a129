"""Wall time and peak memory for checking the seed article.

    python benchmarks/seed_speed.py

cold = a fresh process: load the prepared models from the cache, then check the seed once.
warm = the same process checks the seed again (models already loaded).
Assumes `checker models prepare` has run (the one-time GGUF conversion is not timed here).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from checker.ingest import read_path
from checker.engine import load_engine
checker = load_engine()
t_load = time.perf_counter() - t0
doc = read_path(sys.argv[1])
t = time.perf_counter(); report = checker.check(doc); t_first = time.perf_counter() - t
warm = []
for _ in range(2):
    t = time.perf_counter(); last = checker.check(doc); warm.append(time.perf_counter() - t)
tokens = sum(len(s.tokens) for s in report.sentences)
print(json.dumps({"load_s": t_load, "cold_total_s": time.perf_counter() - t0 - sum(warm), "first_check_s": t_first,
                  "warm_check_s": min(warm), "tokens": tokens, "peak_rss_mb": resource.getrusage(
                  resource.RUSAGE_SELF).ru_maxrss / 1024, "lm_dtype": checker.models.lm.dtype_name,
                  "stages": {k: round(v, 2) for k, v in last.timings.items()},
                  "threads": __import__("torch").get_num_threads(),
                  "nli": last.stats.get("nli")}))
"""


def main() -> None:
    seed = ROOT / "seeds" / "000_a4ddab08513021e3.txt"
    out = subprocess.run([sys.executable, "-c", CHILD, str(seed)], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"seed article: {r['tokens']} tokens, LM dtype {r['lm_dtype']}")
    print(f"cold (new process, load + first check): {r['cold_total_s']:.1f} s  (load {r['load_s']:.1f} s, "
          f"check {r['first_check_s']:.1f} s)")
    print(f"warm (models loaded):                    {r['warm_check_s']:.1f} s  "
          f"= {r['tokens'] / r['warm_check_s']:.0f} tokens/s")
    print(f"cold/warm ratio: {r['cold_total_s'] / r['warm_check_s']:.2f}")
    print(f"warm / LM pass: {r['warm_check_s'] / r['stages']['lm']:.2f}x (LM {r['stages']['lm']} s; the goal is "
          f"<= 1.3x); torch threads {r['threads']}")
    print(f"peak RSS: {r['peak_rss_mb']:.0f} MB")
    print("warm stages (s): " + ", ".join(f"{k} {v}" for k, v in r["stages"].items()))
    if r["nli"]:
        n = r["nli"]
        print(f"NLI: {n['pairs']} sentence pairs, {n['directions']} directions scored in {n['seconds']:.1f} s "
              f"= {n['directions'] / n['seconds']:.0f} pairs/s")


if __name__ == "__main__":
    main()
