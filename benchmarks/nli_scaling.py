"""NLI pair selection scales about linearly: pairs scored and wall time for ~30, ~100 and ~300 sentences.

    python benchmarks/nli_scaling.py

Articles are built from the seed and TED MQM talk segments (news-like prose, real names and numbers).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # checker_dev (dev sets) lives in the repository

import time

from checker.findings import SentenceResult
from checker.ingest import Document
from checker.models import Models
from checker.nli import NLIModel
from checker.rules import Context
from checker.rules.contradiction import Contradiction
from checker.segment import segment
from checker_dev.devdata import SEED, ted_docs


def article(n: int) -> str:
    parts = [SEED.read_text(encoding="utf-8")]
    for doc in ted_docs(max_segments=10_000):
        if doc.key.startswith("ref/"):
            parts += [doc.text[s:e] for s, e in doc.spans]
    text = parts[0]
    k = 1
    while len([s for s in segment(text) if s.kind == "sentence"]) < n and k < len(parts):
        text += "\n\n" + " ".join(parts[k:k + 5])
        k += 5
    return text


def main() -> None:
    nli = NLIModel()
    rule = Contradiction()
    base = None
    print(f"{'sentences':>9} {'pairs':>6} {'seconds':>8} {'pairs/s':>8} {'s/sentence':>10} {'vs 30':>6}")
    for n in (30, 100, 300):
        text = article(n)
        sents = [SentenceResult.of(s) for s in segment(text)]
        ctx = Context(Document(text, f"bench-{n}", ""), sents, Models(nli=nli))
        t = time.perf_counter()
        rule.run(ctx)
        dt = time.perf_counter() - t
        stats = ctx.stats["nli"]
        prose = sum(1 for s in sents if s.kind == "sentence")
        per = dt / prose
        base = base or per
        print(f"{prose:>9} {stats['pairs']:>6} {dt:>8.1f} {2 * stats['pairs'] / dt:>8.1f} {per:>10.3f} "
              f"{per / base:>6.2f}")


if __name__ == "__main__":
    main()
