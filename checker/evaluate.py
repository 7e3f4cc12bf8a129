"""`checker eval`: how well the garble score separates garbled from clean sentences, on the seed and TED MQM."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from checker.devdata import SEED, LabelledDoc, seed_labels, talk_of, ted_docs
from checker.errors import CheckerError
from checker.features import assign_tokens, sentence_features, span_tokens

TED_CACHE = Path(__file__).resolve().parent.parent / "models" / "garble" / "ted_features.jsonl"


def auroc_ap(labels: list[bool], scores: list[float]) -> tuple[float, float]:
    from sklearn.metrics import average_precision_score, roc_auc_score

    return float(roc_auc_score(labels, scores)), float(average_precision_score(labels, scores))


def ted_feature_rows(lm, docs: list[LabelledDoc]) -> Iterator[dict]:
    """Score whole TED documents in context and yield one feature row per labelled segment."""
    for doc in docs:
        toks = lm.score(doc.text)
        idx = assign_tokens(doc.text, toks, doc.spans)
        rows = sentence_features([span_tokens(doc.text, toks, ix, s) for ix, (s, _e) in zip(idx, doc.spans)])
        for (s, e), label, row in zip(doc.spans, doc.labels, rows):
            yield {"doc": doc.key, "start": s, "end": e, "label": label, "text": doc.text[s:e],
                   **{k: round(v, 4) for k, v in row.items()}}


def write_ted_cache(lm, path: Path = TED_CACHE, max_segments: int = 1000) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in ted_feature_rows(lm, ted_docs(max_segments=max_segments)):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def run_eval(rescore: bool = False) -> Iterator[str]:
    from checker.garble import GarbleModel
    from checker.ingest import read_path
    from checker.runner import load_checker

    garble = GarbleModel()
    checker = load_checker()
    if rescore:
        write_ted_cache(checker.lm)
    if not TED_CACHE.exists():
        raise CheckerError(f"no TED features at {TED_CACHE}; run `checker eval --rescore`")

    report = checker.check(read_path(str(SEED)))
    labels = seed_labels()
    pairs = [(labels[s.text], s) for s in report.sentences if s.text in labels]
    judged = [(lab == "garbled", s) for lab, s in pairs if lab in ("garbled", "clean")]
    auc, ap = auroc_ap([y for y, _ in judged], [s.garble for _, s in judged])
    caught = sum(1 for y, s in judged if y and s.flagged)
    false = sum(1 for y, s in judged if not y and s.flagged)
    n_g = sum(1 for y, _ in judged if y)
    yield (f"seed  {SEED.name}: AUROC {auc:.3f}  AP {ap:.3f}  "
           f"(garbled {n_g}, clean {len(judged) - n_g}; flagged garbled {caught}/{n_g}, "
           f"false alarms {false}/{len(judged) - n_g})")

    rows = [json.loads(line) for line in TED_CACHE.read_text(encoding="utf-8").splitlines()]
    heldout = set(json.loads(garble_path().read_text())["metrics"]["ted_heldout"]["talks"])
    for name, subset in (("TED MQM held-out talks", [r for r in rows if talk_of(r["doc"]) in heldout]),
                         ("TED MQM whole sample", rows)):
        sub = [r for r in subset if r["label"] in ("garbled", "clean")]
        auc, ap = auroc_ap([r["label"] == "garbled" for r in sub], [garble.probability(r) for r in sub])
        n_g = sum(r["label"] == "garbled" for r in sub)
        yield f"{name}: AUROC {auc:.3f}  AP {ap:.3f}  (garbled {n_g}, clean {len(sub) - n_g}, segments)"


def garble_path() -> Path:
    from checker.garble import DEFAULT_PATH

    return DEFAULT_PATH


def seed_text() -> str:
    return Path(SEED).read_text(encoding="utf-8")
