"""The garble detector's dev table (`make eval`): real MQM news (2020, 2021), biomedical abstracts and TED talks,
scored exactly as the product scores them (the shipped scorer on the LM pass cached by checker_dev.extract).

    python -m checker_dev.garble_eval                 # the shipped scorer
    python -m checker_dev.garble_eval --model FILE    # another model file (e.g. models/garble/garble-lr.json)

Per set and label: raw AUROC and AP of the segment score (a segment scores as its worst sentence; headings are
never judged), the same for word count alone, AUROC within word-count quintiles (what the score knows beyond
length), recall at 5 % false alarms, and recall / false-alarm rate at the model's error and warning thresholds.
Token level: of the garbled dev segments the model flags (warning or error), the share whose underlined span
overlaps an annotated Major fluency span, and token precision / recall of the underline.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from checker.features import assign_tokens
from checker.metrics import auroc, average_precision, rates_at, recall_at_false_alarms, stratified_auroc
from checker.parts import ArticleScores, LMOutput
from checker.segment import segment
from checker.tokens import TokenScore
from checker_dev import extract, garbledata


def score_article(scorer, a: garbledata.Article, feats: dict) -> list[dict]:
    """Per MQM segment with at least one prose sentence: its score, words, label and underlined spans."""
    toks = [TokenScore(int(s), int(e), float(v)) for s, e, v in zip(feats["start"], feats["end"], feats["surprisal"])]
    prose = [s for s in segment(a.text) if s.kind == "sentence"]
    if not prose:
        return []
    index = assign_tokens(a.text, toks, [(s.start, s.end) for s in prose])
    hidden = feats["hidden"].astype(np.float32) if getattr(scorer, "wants_hidden", False) else None
    verdicts = scorer.score(ArticleScores(a.text, prose, LMOutput(toks, hidden), index))
    starts = [g.start for g in a.segments]
    out: dict[int, dict] = {}
    for s, v, idx in zip(prose, verdicts, index):
        k = int(np.searchsorted(starts, s.start, side="right") - 1)
        g = a.segments[k]
        row = out.setdefault(k, {"seg": k, "score": 0.0, "words": len(a.text[g.start:g.end].split()), "label": g.label,
                                 "strict": g.strict, "major": g.major, "spans": [], "tokens": [], "surprisal": [],
                                 "categories": g.categories, "raters": g.raters})
        if v.probability >= row["score"]:
            row["score"], row["spans"] = v.probability, v.spans
        row["tokens"] += [(toks[i].start, toks[i].end) for i in idx]
        row["surprisal"] += [toks[i].surprisal for i in idx if i]
    return list(out.values())


def rows_for(scorer, articles) -> list[dict]:
    rows = []
    for a in articles:
        f = extract.load(a.text)
        if f is None:
            raise SystemExit(f"no LM features for {a.key}: run `python -m checker_dev.extract` first")
        rows += score_article(scorer, a, f)
    return rows


def table(rows: list[dict], label: str, threshold: float, warning: float) -> dict:
    key = "strict" if label == "strict" else "label"
    sub = [r for r in rows if r[key] in ("garbled", "clean")]
    y = [r[key] == "garbled" for r in sub]
    s = [r["score"] for r in sub]
    w = [float(r["words"]) for r in sub]
    ppl = [float(np.mean(r["surprisal"])) if r["surprisal"] else 0.0 for r in sub]
    out = {"garbled": sum(y), "clean": len(y) - sum(y)}
    if not sum(y) or sum(y) == len(y):
        return out
    rec_e, fa_e = rates_at(y, s, threshold)
    rec_w, fa_w = rates_at(y, s, warning)
    out.update({"auroc": auroc(y, s), "ap": average_precision(y, s), "length_auroc": auroc(y, w),
                "ppl_auroc": auroc(y, ppl),
                "length_ap": average_precision(y, w), "stratified_auroc": stratified_auroc(y, s, w),
                "recall_at_5fa": recall_at_false_alarms(y, s, 0.05),
                "length_recall_at_5fa": recall_at_false_alarms(y, w, 0.05),
                "error": (rec_e, fa_e), "warning": (rec_w, fa_w)})
    return out


def span_overlap(rows: list[dict], warning: float) -> dict:
    """Underline vs annotation on garbled segments the model flags."""
    flagged = [r for r in rows if r["label"] == "garbled" and r["score"] >= warning and r["major"]]
    hit = sum(any(a < d and c < b for a, b in r["spans"] for c, d in r["major"]) for r in flagged)
    tp = fp = fn = 0
    for r in flagged:
        for a, b in r["tokens"]:
            marked = any(a < d and c < b for c, d in r["spans"])
            gold = any(a < d and c < b for c, d in r["major"])
            tp += marked and gold
            fp += marked and not gold
            fn += gold and not marked
    return {"flagged": len(flagged), "overlap": hit / len(flagged) if flagged else float("nan"),
            "token_precision": tp / max(tp + fp, 1), "token_recall": tp / max(tp + fn, 1)}


def missed(rows: list[dict], warning: float) -> list[str]:
    """What limits the detector: recall at the warning threshold by error category, by how many raters agree,
    and by length; the clean segments' false alarms by length."""
    garbled = [r for r in rows if r["label"] == "garbled"]
    clean = [r for r in rows if r["label"] == "clean"]
    out = [f"news dev, who is caught at warning (≥ {warning:.3f}): recall by category of the Major error "
           "(a segment counts under each of its categories)"]
    cats: dict[str, list[bool]] = {}
    for r in garbled:
        for c in r["categories"]:
            cats.setdefault(c, []).append(r["score"] >= warning)
    for c, hits in sorted(cats.items(), key=lambda kv: -len(kv[1])):
        if len(hits) >= 5:
            out.append(f"  {c:<40} {len(hits):>4} segments  recall {np.mean(hits):.2f}")
    for k in (1, 2, 3):
        hits = [r["score"] >= warning for r in garbled if r["raters"] == k]
        if hits:
            out.append(f"  marked garbled by {k} rater(s): {len(hits):>4} segments  recall {np.mean(hits):.2f}")
    words = sorted(r["words"] for r in rows if r["label"] in ("garbled", "clean"))
    edges = [words[int(len(words) * q)] for q in (0.2, 0.4, 0.6, 0.8)]
    out.append("  by word-count quintile (edges " + ", ".join(map(str, edges)) + "): garbled share, recall, "
               "false alarms")
    for q in range(5):
        lo = edges[q - 1] if q else -1
        hi = edges[q] if q < 4 else 10**9
        g = [r["score"] >= warning for r in garbled if lo < r["words"] <= hi]
        c = [r["score"] >= warning for r in clean if lo < r["words"] <= hi]
        if g and c:
            out.append(f"    q{q + 1}: {len(g) / (len(g) + len(c)):.2f} garbled, recall {np.mean(g):.2f}, "
                       f"false alarms {np.mean(c):.2f}")
    return out


def report(scorer, split: str = "dev") -> list[str]:
    chosen = extract.selected(["news", "bio", "ted"])  # the articles with LM features (see extract.py)
    sets = [(f"news 2020 {split}", [a for a in chosen if a.domain == "news2020" and a.split == split]),
            (f"news 2021 {split}", [a for a in chosen if a.domain == "news2021" and a.split == split])]
    if split == "dev":
        sets += [("bio dev", [a for a in chosen if a.domain == "bio"]),
                 (f"TED ({sum(a.domain == 'ted' for a in chosen)} talks)", [a for a in chosen if a.domain == "ted"])]
    lines = [f"garble scorer {scorer.name} v{scorer.version} ({scorer.sha256[:8]}): error ≥ {scorer.threshold:.3f}, "
             f"warning ≥ {scorer.warning:.3f}",
             f"{'set / label':<34}{'n g/c':>11}{'AUROC':>7}{'AP':>7}{'len AUROC':>10}{'strat.':>8}{'R@5%FA':>8}"
             f"{'len R@5%':>9}{'error R/FA':>12}{'warn R/FA':>12}"]
    all_news: list[dict] = []
    for name, arts in sets:
        rows = rows_for(scorer, arts)
        if name.startswith("news"):
            all_news += rows
        labels = ["loose", "strict"] if name.startswith("news 2020") else ["loose"]
        for lab in labels:
            t = table(rows, lab, scorer.threshold, scorer.warning)
            if "auroc" not in t:
                lines.append(f"{name + ' / ' + lab:<34}{t['garbled']:>5}/{t['clean']:<5} (no features or one class)")
                continue
            lines.append(f"{name + ' / ' + lab:<34}{t['garbled']:>5}/{t['clean']:<5}{t['auroc']:7.3f}{t['ap']:7.3f}"
                         f"{t['length_auroc']:10.3f}{t['stratified_auroc']:8.3f}{t['recall_at_5fa']:8.2f}"
                         f"{t['length_recall_at_5fa']:9.2f}{t['error'][0]:7.2f}/{t['error'][1]:.2f}"
                         f"{t['warning'][0]:7.2f}/{t['warning'][1]:.2f}")
    t = table(all_news, "loose", scorer.threshold, scorer.warning)
    if "auroc" in t:
        lines.append(f"{f'news {split} (2020+2021) / loose':<34}{t['garbled']:>5}/{t['clean']:<5}{t['auroc']:7.3f}"
                     f"{t['ap']:7.3f}{t['length_auroc']:10.3f}{t['stratified_auroc']:8.3f}{t['recall_at_5fa']:8.2f}"
                     f"{t['length_recall_at_5fa']:9.2f}{t['error'][0]:7.2f}/{t['error'][1]:.2f}"
                     f"{t['warning'][0]:7.2f}/{t['warning'][1]:.2f}")
        lines.append(f"  baseline, a perplexity script (mean token surprisal): AUROC {t['ppl_auroc']:.3f}; "
                     f"word count: AUROC {t['length_auroc']:.3f}")
        sp = span_overlap(all_news, scorer.warning)
        lines += missed(all_news, scorer.warning)
        lines.append(f"news {split} underline: {sp['flagged']} flagged garbled segments, "
                     f"{sp['overlap']:.2f} overlap an "
                     f"annotated Major fluency span; token precision {sp['token_precision']:.2f}, "
                     f"recall {sp['token_recall']:.2f}")
    return lines


def alone_vs_in_article(scorer, n: int) -> list[str]:
    """Short inputs: clean news dev segments checked alone (a one-line wire flash) against the same segments
    inside their articles, at the error and warning thresholds. Needs the LM (one short pass per segment)."""
    import random

    from checker.engine import Engine
    from checker.ingest import Document
    from checker.models import Models

    chosen = [a for a in extract.selected(["news"]) if a.split == "dev"]
    pool = [(a, k) for a in chosen for k, g in enumerate(a.segments) if g.label == "clean"]
    sample = random.Random(5).sample(pool, min(n, len(pool)))
    engine = Engine(Models(garble=scorer))
    inside, alone = [], []
    scored: dict[str, list[dict]] = {}  # one article can give several sampled segments: score it once
    for a, k in sample:
        if a.key not in scored:
            scored[a.key] = score_article(scorer, a, extract.load(a.text))
        row = next((r for r in scored[a.key] if r["seg"] == k), None)
        g = a.segments[k]
        report = engine.check(Document(a.text[g.start:g.end], "alone.txt", "0" * 64))
        prose = [x.garble for x in report.sentences if x.kind == "sentence"]
        if row is None or not prose:
            continue  # a headline line: never judged, in or out of its article
        inside.append(row["score"])
        alone.append(max(prose))
    lines = [f"short inputs: {len(alone)} clean news dev segments, checked alone vs inside their article"]
    for name, cut in (("error", scorer.threshold), ("warning", scorer.warning)):
        fa_in = sum(v >= cut for v in inside) / max(len(inside), 1)
        fa_alone = sum(v >= cut for v in alone) / max(len(alone), 1)
        lines.append(f"  false alarms at the {name} threshold: alone {fa_alone:.3f}, in the article {fa_in:.3f}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--alone", type=int, default=0, help="also check this many clean dev segments alone (LM)")
    ap.add_argument("--split", default="dev", choices=["dev", "calib"],
                    help="calib: compare variants there (news only), never on dev")
    args = ap.parse_args()
    from checker.garble import load_garble

    scorer = load_garble(args.model)
    for line in report(scorer, args.split):
        print(line, flush=True)
    if args.alone:
        for line in alone_vs_in_article(scorer, args.alone):
            print(line, flush=True)


if __name__ == "__main__":
    main()
