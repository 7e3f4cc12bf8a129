"""What reading the original costs: the seed checked English-only and against an original, warm, alternately.

    python benchmarks/source_cost.py [--rounds 5]

Two originals: the seed's own (three paragraphs in Chinese, an excerpt) and a whole one — the seed's English as
its own original, so that every sentence is aligned and judged: the most source-side work an article of this
length can ask. Prints median seconds per check, the align stage's share, and the ratio to the English-only check
(issue #27's target: ≤ 1.5×).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from checker.engine import check_bytes, load_engine

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    seed = (ROOT / "seeds" / "000_a4ddab08513021e3.txt").read_bytes()
    zh = (ROOT / "seeds" / "000_a4ddab08513021e3.zh.txt").read_bytes()
    engine = load_engine()
    cases = {"English only": None, "original: 3 paragraphs (zh)": ("seed.zh.txt", zh, None),
             "original: the whole article": ("seed.orig.txt", seed, None)}
    for original in cases.values():  # warm: models loaded, first-call costs paid
        check_bytes(engine, "seed.txt", seed, original=original)
    times: dict[str, list[float]] = {k: [] for k in cases}
    align: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(args.rounds):
        for name, original in cases.items():  # alternately, so drift in the machine's speed hits all alike
            t = time.perf_counter()
            report = check_bytes(engine, "seed.txt", seed, original=original)
            times[name].append(time.perf_counter() - t)
            align[name].append(report.timings.get("align", 0.0))
    base = statistics.median(times["English only"])
    print(f"{'case':32} {'median s':>9} {'align s':>8} {'ratio':>6}")
    for name in cases:
        med = statistics.median(times[name])
        print(f"{name:32} {med:9.2f} {statistics.median(align[name]):8.2f} {med / base:6.2f}")


if __name__ == "__main__":
    main()
