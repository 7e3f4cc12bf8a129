"""What reading a middle layer's states costs the LM pass (garble 3.2's heads read layer 10) and what each garble
model file costs on top of the pass, on the seed.

    python benchmarks/layer_tap_cost.py

Prints the median of 7 warm passes: the final states only (3.1), with layer 10 too (3.2, 3.3), and each scorer's
`score` on that pass (3.3's includes its context head), as figures and as ratios to the pass (the issue's bar:
the garble head under 10 % of it).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def median_seconds(fn, runs: int = 7) -> float:
    fn()  # warm
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    from checker.features import assign_tokens
    from checker.garble import load_garble
    from checker.lm import load
    from checker.parts import ArticleScores
    from checker.segment import segment

    lm = load()
    text = (ROOT / "seeds" / "000_a4ddab08513021e3.txt").read_text()
    plain = median_seconds(lambda: lm.score(text, hidden=True))
    tapped = median_seconds(lambda: lm.score(text, hidden=True, layers=(10,)))
    print(f"LM pass on the seed: final states {plain:.3f} s; with layer 10 {tapped:.3f} s "
          f"({tapped / plain:.3f}×)")
    sents = [s for s in segment(text) if s.kind == "sentence"]
    for name in ("garble-tagger-3.1.json", "garble-tagger-3.2.json", "garble-tagger.json"):
        scorer = load_garble(ROOT / "models" / "garble" / name)
        out = lm.score(text, hidden=True, layers=scorer.hidden_layers)
        index = assign_tokens(text, out.tokens, [(s.start, s.end) for s in sents])
        cost = median_seconds(lambda s=scorer, o=out, i=index: s.score(ArticleScores(text, sents, o, i)))
        base = tapped if scorer.hidden_layers else plain
        print(f"{name} (v{scorer.version}): score {cost * 1000:.1f} ms = {cost / base:.1%} of its pass")


if __name__ == "__main__":
    main()
