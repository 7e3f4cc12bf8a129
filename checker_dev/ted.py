"""`make eval`: how well the garble score separates garbled from clean sentences on the development sets
(the seed and TED MQM). Development code: not shipped in the wheel.

Each line is followed by the baselines a newsroom would otherwise script: sentence length in words, and
ranking sentences by perplexity.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from checker.errors import CheckerError
from checker.features import assign_tokens, sentence_features, span_tokens
from checker_dev.devdata import SEED, LabelledDoc, seed_labels, talk_of, ted_docs

GARBLE_DIR = Path(__file__).resolve().parent.parent / "models" / "garble"
TED_CACHE = GARBLE_DIR / "ted_tokens.jsonl"
SYNTH_CACHE = GARBLE_DIR / "synthetic_tokens.jsonl"
LEGACY = GARBLE_DIR / "garble-lr.json"  # checker 0.1's logistic model (its TED held-out talks are listed in it)


def auroc_ap(labels: list[bool], scores: list[float]) -> tuple[float, float]:
    from checker.metrics import auroc, average_precision

    return auroc(labels, scores), average_precision(labels, scores)


def log_ppl(surprisals: list[float]) -> float:
    """Mean token surprisal of a sentence (headings too): what a perplexity script would rank by."""
    return sum(surprisals) / max(len(surprisals), 1)


def score_docs(lm, docs: list[LabelledDoc], path: Path) -> None:
    """Cache LM token scores per document, so features can be reworked without rerunning the LM."""
    with path.open("w", encoding="utf-8") as out:
        for doc in docs:
            toks = lm.score(doc.text).tokens
            out.write(json.dumps({"key": doc.key, "text": doc.text, "spans": doc.spans, "labels": doc.labels,
                                  "tokens": [[t.start, t.end, t.surprisal] for t in toks]}, ensure_ascii=False)
                      + "\n")


def feature_rows(path: Path) -> list[dict]:
    """One feature row per labelled segment of the cached documents, computed as the pipeline does."""
    from checker.lm import TokenScore

    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        text, spans = d["text"], [tuple(s) for s in d["spans"]]
        toks = [TokenScore(s, e, v, "") for s, e, v in d["tokens"]]
        idx = assign_tokens(text, toks, spans)
        sts = [span_tokens(text, toks, ix, s) for ix, (s, _e) in zip(idx, spans)]
        for (s, e), label, st, row in zip(spans, d["labels"], sts, sentence_features(sts)):
            rows.append({"doc": d["key"], "start": s, "end": e, "label": label, "text": text[s:e],
                         "log_ppl": log_ppl(st.lm), **row})
    return rows


def run_eval(rescore: bool = False) -> Iterator[str]:
    from checker.engine import load_engine
    from checker.garble import load_garble
    from checker.ingest import read_path

    checker = load_engine()
    garble = load_garble(LEGACY)  # the TED rows carry surprisal only: the 0.1 logistic model reads them
    if rescore:
        from checker_dev.devdata import synthetic_docs

        score_docs(checker.models.lm, ted_docs(), TED_CACHE)
        score_docs(checker.models.lm, synthetic_docs(), SYNTH_CACHE)
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
    b_auc, b_ap = auroc_ap([y for y, _ in judged], [log_ppl([t.surprisal for t in s.tokens]) for _, s in judged])
    yield f"      baseline, sentence perplexity: AUROC {b_auc:.3f}  AP {b_ap:.3f}"
    w_auc, w_ap = auroc_ap([y for y, _ in judged], [len(s.text.split()) for _, s in judged])
    yield f"      baseline, words in the sentence: AUROC {w_auc:.3f}  AP {w_ap:.3f}"

    rows = feature_rows(TED_CACHE)
    heldout = set(json.loads(garble_path().read_text())["metrics"]["ted_heldout_real"]["talks"])
    for name, subset in (("TED MQM held-out talks", [r for r in rows if talk_of(r["doc"]) in heldout]),
                         ("TED MQM whole sample", rows)):
        sub = [r for r in subset if r["label"] in ("garbled", "clean")]
        auc, ap = auroc_ap([r["label"] == "garbled" for r in sub], [garble.probability(r) for r in sub])
        n_g = sum(r["label"] == "garbled" for r in sub)
        yield (f"{name}, checker 0.1 logistic model: AUROC {auc:.3f}  AP {ap:.3f}  (garbled {n_g}, "
               f"clean {len(sub) - n_g}, segments)")
        b_auc, b_ap = auroc_ap([r["label"] == "garbled" for r in sub], [r["log_ppl"] for r in sub])
        yield f"      baseline, sentence perplexity: AUROC {b_auc:.3f}  AP {b_ap:.3f}"
        w_auc, w_ap = auroc_ap([r["label"] == "garbled" for r in sub], [len(r["text"].split()) for r in sub])
        yield f"      baseline, words in the sentence: AUROC {w_auc:.3f}  AP {w_ap:.3f}"


def garble_path() -> Path:
    return LEGACY


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rescore", action="store_true", help="rescore the TED sample with the LM (~10 min)")
    args = ap.parse_args()
    for line in run_eval(rescore=args.rescore):
        print(line, flush=True)


if __name__ == "__main__":
    main()
