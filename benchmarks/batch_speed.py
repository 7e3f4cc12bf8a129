"""The rate on a feed of short articles: 40 wire-length pieces (the first 5–10 lines of MQM newstest dev
documents, real machine translation), checked by one loaded engine, against the naive per-sentence script's
per-article cost on the same pieces.

    python benchmarks/batch_speed.py [--articles 40]      # ~2 min on 2 cores
"""

from __future__ import annotations

import argparse
import itertools
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # checker_dev: the dev articles
from checker.cpu import setup_process

setup_process()  # as the CLI, before torch starts


def pieces(n: int) -> list[str]:
    from checker_dev.garbledata import news_articles

    dev = sorted((a for a in news_articles() if a.split == "dev"), key=lambda a: a.key)
    out = []
    for i, a in enumerate(dev[:: max(1, len(dev) // n)][:n]):
        lines = a.text.splitlines()
        out.append("\n".join(lines[: 5 + i % 6]))
    return out


def naive_seconds(engine, text: str) -> float:
    """Each sentence alone through the LM, every ordered pair through the NLI model (same loaded models)."""
    sents = [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if len(s.split()) > 3]
    t = time.perf_counter()
    for s in sents:
        engine.models.lm.score(s)
    pairs = list(itertools.permutations(sents, 2))
    if pairs:
        engine.models.nli.predict(pairs)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=40)
    args = ap.parse_args()

    from checker.cli import quiet_model_loading
    from checker.cpu import available_cpus
    from checker.engine import load_engine
    from checker.ingest import Document, sha256_bytes
    from checker.settings import Settings

    quiet_model_loading()
    texts = pieces(args.articles)
    engine = load_engine(Settings(threads=available_cpus()))
    engine.check(Document(texts[0], "warm.txt", sha256_bytes(texts[0].encode())))
    per: list[float] = []
    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    for i, text in enumerate(texts):
        t = time.perf_counter()
        report = engine.check(Document(text, f"{i}.txt", sha256_bytes(text.encode())))
        per.append(time.perf_counter() - t)
        for k, v in report.timings.items():
            stages[k] = stages.get(k, 0.0) + v
    wall = time.perf_counter() - t0
    naive = [naive_seconds(engine, t) for t in texts[:10]]
    words = statistics.mean(len(t.split()) for t in texts)
    print(f"{len(texts)} short articles ({words:.0f} words on average), one loaded engine, "
          f"{engine.settings.threads} threads, LM {engine.models.lm.dtype_name}")
    print(f"checker: {wall:.1f} s in all, {len(texts) / wall:.2f} articles/s, median {statistics.median(per):.2f} s "
          f"per article")
    print("stages over all articles (s): " + ", ".join(f"{k} {v:.2f}" for k, v in stages.items() if v >= 0.01))
    print(f"naive script (same loaded models, first 10 articles): median {statistics.median(naive):.2f} s per "
          f"article; checker is {statistics.median(naive) / statistics.median(per[:10]):.2f}x faster per article "
          "(the issue's goal: >= 5x)")


if __name__ == "__main__":
    main()
