"""The garble detector's dev table (`make eval`): real MQM news (2020, 2021), generated breaks (in their articles
and alone) and MLQE-PE test20, scored exactly as the product scores them (the shipped scorer on the LM pass cached
by checker_dev.extract); biomedical abstracts and TED talks with `--sets bio ted` once their features exist.

    python -m checker_dev.garble_eval                 # the shipped scorer
    python -m checker_dev.garble_eval --model FILE    # another model file (models/garble/garble-tagger-v2.json)

Per set and label: raw AUROC and AP of the segment score (a segment scores as its worst sentence; headings are
never judged), the same for word count alone, AUROC within word-count quintiles (what the score knows beyond
length), recall at 5 % false alarms, and recall / false-alarm rate at the model's error and warning thresholds.
Generated breaks: per kind, flagged at the warning point, beside a perplexity script at the same clean-flag rate;
the clean segments' false flags in articles and alone. Underline: of the flagged garbled segments, the share whose
underline overlaps a gold span, against the same underline lengths placed at random. MLQE-PE: sentence AUROC and
the underline's word-level MCC beside a surprisal threshold.
"""

from __future__ import annotations

import argparse
import math
import random
from pathlib import Path

import numpy as np

from checker.features import assign_tokens
from checker.metrics import (
    auroc,
    average_precision,
    cut_for_false_alarms,
    rates_at,
    recall_at_false_alarms,
    stratified_auroc,
)
from checker.parts import ArticleScores, LMOutput
from checker.segment import segment
from checker.tokens import TokenScore
from checker_dev import extract, garbledata


def layers_of(scorer) -> tuple[int, ...]:
    """The middle LM layers whose cached states the scorer reads (garble 3.2's break head reads one)."""
    return tuple(getattr(scorer, "hidden_layers", ()))


def _layers_hint(scorer) -> str:
    return f" --layers {' '.join(map(str, layers_of(scorer)))}" if layers_of(scorer) else ""


def score_article(scorer, a: garbledata.Article, feats: dict) -> list[dict]:
    """Per MQM segment with at least one prose sentence: its score, words, label and underlined spans."""
    toks = [TokenScore(int(s), int(e), float(v)) for s, e, v in zip(feats["start"], feats["end"], feats["surprisal"])]
    prose = [s for s in segment(a.text) if s.kind == "sentence"]
    if not prose:
        return []
    index = assign_tokens(a.text, toks, [(s.start, s.end) for s in prose])
    hidden = feats["hidden"].astype(np.float32) if getattr(scorer, "wants_hidden", False) else None
    layers = {k: feats[f"layer{k}"].astype(np.float32) for k in layers_of(scorer)}
    verdicts = scorer.score(ArticleScores(a.text, prose, LMOutput(toks, hidden, layers=layers), index))
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
        f = extract.load(a.text, layers_of(scorer))
        if f is None:
            raise SystemExit(f"no LM features for {a.key}: "
                             f"run `python -m checker_dev.extract{_layers_hint(scorer)}` first")
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


def span_overlap(rows: list[dict], warning: float, draws: int = 20) -> dict:
    """Underline vs annotation on garbled segments the model flags: the share whose underline overlaps a gold
    span, against the same underline lengths (in tokens) placed at random in the segment; the share flagged with
    no single place (no underline); token precision and recall."""
    flagged = [r for r in rows if r["label"] == "garbled" and r["score"] >= warning and r["major"]]
    placed = [r for r in flagged if r["spans"]]
    rng = random.Random(0)

    def overlaps(spans: list, gold: list) -> bool:
        return any(a < d and c < b for a, b in spans for c, d in gold)

    hit = sum(overlaps(r["spans"], r["major"]) for r in placed)
    rand = 0.0
    for r in placed:
        toks = r["tokens"]
        lengths = [max(1, sum(a < d and c < b for c, d in toks)) for a, b in r["spans"]]
        got = 0
        for _ in range(draws):
            spans = []
            for n in lengths:
                i = rng.randrange(0, max(1, len(toks) - n + 1))
                part = toks[i:i + n] or toks[-1:]
                spans.append((part[0][0], part[-1][1]))
            got += overlaps(spans, r["major"])
        rand += got / draws
    tp = fp = fn = 0
    for r in placed:
        for a, b in r["tokens"]:
            marked = any(a < d and c < b for c, d in r["spans"])
            gold = any(a < d and c < b for c, d in r["major"])
            tp += marked and gold
            fp += marked and not gold
            fn += gold and not marked
    n = max(len(placed), 1)
    return {"flagged": len(flagged), "overlap": hit / n if placed else float("nan"),
            "random": rand / n if placed else float("nan"),
            "no_place": 1 - len(placed) / len(flagged) if flagged else float("nan"),
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


def _fmt(t: dict) -> str:
    return (f"{t['garbled']:>5}/{t['clean']:<5}{t['auroc']:7.3f}{t['ap']:7.3f}{t['length_auroc']:10.3f}"
            f"{t['stratified_auroc']:8.3f}{t['recall_at_5fa']:8.2f}{t['length_recall_at_5fa']:9.2f}"
            f"{t['error'][0]:7.2f}/{t['error'][1]:.2f}{t['warning'][0]:7.2f}/{t['warning'][1]:.2f}")


def report(scorer, split: str = "dev", sets: tuple[str, ...] = ("news",)) -> tuple[list[str], list[dict]]:
    """The MQM tables' lines, and the scored news segments (the break table reads their clean ones)."""
    chosen = extract.selected(["news", "bio", "ted"])  # the articles with LM features (see extract.py)
    groups = [(f"news 2020 {split}", [a for a in chosen if a.domain == "news2020" and a.split == split]),
              (f"news 2021 {split}", [a for a in chosen if a.domain == "news2021" and a.split == split])]
    if split == "dev" and "bio" in sets:
        groups.append(("bio dev", [a for a in chosen if a.domain == "bio"]))
    if split == "dev" and "ted" in sets:
        ted = [a for a in chosen if a.domain == "ted"]
        groups.append((f"TED ({len(ted)} talks)", ted))
    lines = [f"garble scorer {scorer.name} v{scorer.version} ({scorer.sha256[:8]}): error ≥ {scorer.threshold:.3f}, "
             f"warning ≥ {scorer.warning:.3f}",
             f"{'set / label':<34}{'n g/c':>11}{'AUROC':>7}{'AP':>7}{'len AUROC':>10}{'strat.':>8}{'R@5%FA':>8}"
             f"{'len R@5%':>9}{'error R/FA':>12}{'warn R/FA':>12}"]
    all_news: list[dict] = []
    for name, arts in groups:
        rows = rows_for(scorer, arts)
        if name.startswith("news"):
            all_news += rows
        for lab in (["loose", "strict"] if name.startswith("news 2020") else ["loose"]):
            t = table(rows, lab, scorer.threshold, scorer.warning)
            lines.append(f"{name + ' / ' + lab:<34}" + (_fmt(t) if "auroc" in t else
                                                          f"{t['garbled']:>5}/{t['clean']:<5} (one class)"))
    t = table(all_news, "loose", scorer.threshold, scorer.warning)
    if "auroc" in t:
        lines.append(f"{f'news {split} (2020+2021) / loose':<34}" + _fmt(t))
        lines.append(f"  baselines: word count AUROC {t['length_auroc']:.3f}, R@5%FA {t['length_recall_at_5fa']:.2f}; "
                     f"a perplexity script (mean token surprisal) AUROC {t['ppl_auroc']:.3f}; no finding: recall 0")
        sp = span_overlap(all_news, scorer.warning)
        lines += missed(all_news, scorer.warning)
        lines.append(f"news {split} underline: {sp['flagged']} flagged garbled segments with Major spans, "
                     f"{sp['overlap']:.2f} overlap one (a random placement of the same length: {sp['random']:.2f}); "
                     f"{sp['no_place']:.2f} say no single place; token precision {sp['token_precision']:.2f}, "
                     f"recall {sp['token_recall']:.2f}")
    return lines, all_news


def break_table(scorer, news: list[dict], split: str = "dev") -> list[str]:
    """Generated breaks (checker_dev/breaks.py) in the split's documents: per kind, the share flagged at the
    warning point in their articles and checked alone, beside a perplexity script (mean token surprisal) whose
    cut lets through the same share of clean segments (set on those clean segments: generous to it); the clean
    false flags; the underline against a random placement of the same length."""
    from checker_dev import breaks

    arts = [a for a in extract.selected(["breaks", "alone"]) if a.split == split]
    rows = []
    for a in arts:
        f = extract.load(a.text, layers_of(scorer))
        if f is None:
            raise SystemExit(f"no LM features for {a.key}: run "
                             f"`python -m checker_dev.extract --sets breaks alone{_layers_hint(scorer)}`")
        where = "alone" if a.key.startswith("alone/") else "article"
        for r in score_article(scorer, a, f):
            cat = r["categories"][0] if r["categories"] else ""
            r["where"] = where
            r["kind"] = cat.split("/", 1)[1] if cat.startswith("break/") else ("clean" if r["label"] == "clean"
                                                                                else "mqm")
            r["ppl"] = float(np.mean(r["surprisal"])) if r["surprisal"] else 0.0
            rows.append(r)
    for r in news:  # the MQM segments `report` scored, not scored again
        r["where"], r["kind"] = "article", ("clean" if r["label"] == "clean" else "mqm")
        r["ppl"] = float(np.mean(r["surprisal"])) if r["surprisal"] else 0.0
    clean_in = [r for r in news if r["kind"] == "clean"]
    clean_alone = [r for r in rows if r["where"] == "alone" and r["kind"] == "clean"]
    ppl_cut = {"article": cut_for_false_alarms([r["ppl"] for r in clean_in], 0.05),
               "alone": cut_for_false_alarms([r["ppl"] for r in clean_alone], 0.05)}
    out = [f"generated breaks, {split} documents: flagged at warning (≥ {scorer.warning:.3f}) in their article / "
           "alone; a perplexity script at the same 5 % clean false flags; no finding: 0",
           f"{'kind':<16}{'n art':>6}{'article':>8}{'ppl':>6}{'n alone':>8}{'alone':>7}{'ppl':>6}"]
    every = {"article": [], "alone": []}
    for kind in breaks.KINDS:
        cells = []
        for where in ("article", "alone"):
            sub = [r for r in rows if r["kind"] == kind and r["where"] == where]
            hit = [r["score"] >= scorer.warning for r in sub]
            every[where] += hit
            base = [r["ppl"] >= ppl_cut[where] for r in sub]
            cells.append(f"{len(sub):>6}{np.mean(hit) if hit else float('nan'):8.2f}"
                         f"{np.mean(base) if base else float('nan'):6.2f}")
        out.append(f"{kind:<16}" + cells[0] + "  " + cells[1])
    out.append(f"{'all kinds':<16}{len(every['article']):>6}{np.mean(every['article']):8.2f}{'':>6}"
               f"  {len(every['alone']):>6}{np.mean(every['alone']):8.2f}")
    # the ranking at matched false flags: both cuts set on this split's clean segments, as the perplexity
    # script's is (a figure to compare models by, never an operating point)
    cells = []
    for where, clean in (("article", clean_in), ("alone", clean_alone)):
        own = cut_for_false_alarms([r["score"] for r in clean], 0.05)
        sub = [r for r in rows if r["kind"] in breaks.KINDS and r["where"] == where]
        cells.append(f"{np.mean([r['score'] >= own for r in sub]):.2f} (perplexity script "
                     f"{np.mean([r['ppl'] >= ppl_cut[where] for r in sub]):.2f})")
    out.append(f"all kinds at exactly 5 % clean false flags (cuts set on these clean segments): in their articles "
               f"{cells[0]}, alone {cells[1]}")
    for name, sub in (("in their articles (MQM segments every rater passed)", clean_in),
                      ("checked alone", clean_alone)):
        s = [r["score"] for r in sub]
        warn, err = np.mean([v >= scorer.warning for v in s]), np.mean([v >= scorer.threshold for v in s])
        out.append(f"clean {split} segments {name}: {len(s)}; flagged at warning {warn:.3f}, at error {err:.3f}")
    brk = [r for r in rows if r["kind"] not in ("clean", "mqm")]
    sp = span_overlap(brk, scorer.warning)
    out.append(f"generated-break underline: {sp['flagged']} flagged, {sp['overlap']:.2f} overlap the break "
               f"(random placement of the same length: {sp['random']:.2f}); {sp['no_place']:.2f} no single place")
    return out


def mlqe_table(scorer) -> list[str]:
    """MLQE-PE test20 (X→English, single sentences): sentence AUROC, HTER ≥ 0.3 against HTER = 0, beside word count
    and a perplexity script; word-level MCC of the underline (a word is tagged BAD when it overlaps an underlined
    span) beside a surprisal threshold (a word is BAD when one of its tokens is at least t nats; t chosen on
    test20 itself for the best MCC: generous to it)."""
    from checker_dev import mlqe

    arts = [a for a in extract.selected(["mlqe"]) if a.split == "test20"]
    y, s, w, ppl = [], [], [], []
    gold_all, pred_all, surp_all = [], [], []
    for a in arts:
        f = extract.load(a.text, layers_of(scorer))
        if f is None:
            raise SystemExit(f"no LM features for MLQE-PE: run `python -m checker_dev.extract --sets mlqe"
                             f"{_layers_hint(scorer)}`")
        rows = score_article(scorer, a, f)
        if not rows:
            continue
        r = rows[0]
        if r["label"] in ("garbled", "clean"):
            y.append(r["label"] == "garbled")
            s.append(r["score"])
            w.append(float(r["words"]))
            ppl.append(float(np.mean(r["surprisal"])) if r["surprisal"] else 0.0)
        toks = list(zip(f["start"].tolist(), f["end"].tolist(), f["surprisal"].tolist()))
        gold = set(map(tuple, a.segments[0].major))
        for ws, we in mlqe.word_spans(a):
            gold_all.append((ws, we) in gold)
            pred_all.append(any(ws < b and a_ < we for a_, b in r["spans"]))
            surp_all.append(max((v for i, (ts, te, v) in enumerate(toks) if i and ts < we and ws < te), default=0.0))
    g = np.array(gold_all)
    best_t, best_m = 0.0, -1.0
    for t in np.arange(2.0, 16.0, 0.5):
        m = mcc(g, np.array(surp_all) >= t)
        if m > best_m:
            best_t, best_m = float(t), m
    return [f"MLQE-PE test20 ({len(arts)} X→English lines): sentence AUROC (HTER ≥ 0.3: {sum(y)} vs HTER = 0: "
            f"{len(y) - sum(y)}) {auroc(y, s):.3f}; word count {auroc(y, w):.3f}; a perplexity script "
            f"{auroc(y, ppl):.3f}",
            f"  word-level MCC ({len(g)} words, {int(g.sum())} BAD): the underline {mcc(g, np.array(pred_all)):.3f}; "
            f"a surprisal threshold ({best_t:.1f} nats, best on test20) {best_m:.3f}; no finding 0"]


def mcc(gold: np.ndarray, pred: np.ndarray) -> float:
    tp = float((gold & pred).sum())
    tn = float((~gold & ~pred).sum())
    fp = float((~gold & pred).sum())
    fn = float((gold & ~pred).sum())
    den = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return (tp * tn - fp * fn) / den if den else 0.0


def alone_vs_in_article(scorer, n: int) -> list[str]:
    """Short inputs: clean news dev segments checked alone (a one-line wire flash) against the same segments
    inside their articles, at the error and warning thresholds. Needs the LM (one short pass per segment)."""
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
            scored[a.key] = score_article(scorer, a, extract.load(a.text, layers_of(scorer)))
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


def seed_table(scorer) -> list[str]:
    """The seed article checked with this scorer in the engine (the real LM): its labelled garbled and clean prose
    sentences at the scorer's warning and error points — the garble score alone; `checker eval --labels` counts
    every rule's findings with the shipped model."""
    from checker.engine import load_engine
    from checker.evaluate import read_labels
    from checker.ingest import read_path

    seed = Path(__file__).resolve().parent.parent / "seeds" / "000_a4ddab08513021e3.txt"
    labels = {x.text: x.garbled for x in read_labels(seed.with_name(seed.stem + ".labels.tsv")) if x.text}
    engine = load_engine()
    engine.models._parts["garble"] = scorer  # the same engine and LM pass, this scorer
    report = engine.check(read_path(str(seed)))
    scored = [(labels[s.text], s.garble) for s in report.sentences if s.kind == "sentence" and s.text in labels]
    lines = [f"the seed ({seed.name}), garble score alone: labelled prose sentences at warning / error"]
    for name, want in (("garbled", True), ("clean", False)):
        ps = [p for y, p in scored if y == want]
        lines.append(f"  {name:8s} {sum(p >= scorer.warning for p in ps)}/{len(ps)} at warning, "
                     f"{sum(p >= scorer.threshold for p in ps)}/{len(ps)} at error")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--alone", type=int, default=0, help="also check this many clean dev segments alone (LM)")
    ap.add_argument("--split", default="dev", choices=["dev", "calib"],
                    help="calib: compare variants there (news only), never on dev")
    ap.add_argument("--sets", nargs="*", default=["news", "breaks", "mlqe"],
                    help="news (MQM), breaks (generated, in articles and alone), mlqe (MLQE-PE test20), bio, ted; "
                         "seed (the seed article through the engine, this scorer's garble score alone)")
    args = ap.parse_args()
    from checker.garble import load_garble

    scorer = load_garble(args.model)
    if args.sets == ["seed"]:
        for line in seed_table(scorer):
            print(line, flush=True)
        return
    lines, news = report(scorer, args.split, tuple(args.sets))
    for line in lines:
        print(line, flush=True)
    if "breaks" in args.sets:
        for line in break_table(scorer, news, args.split):
            print(line, flush=True)
    if "mlqe" in args.sets and args.split == "dev":
        for line in mlqe_table(scorer):
            print(line, flush=True)
    if args.alone:
        for line in alone_vs_in_article(scorer, args.alone):
            print(line, flush=True)


if __name__ == "__main__":
    main()
