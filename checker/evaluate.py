"""`checker eval --labels FILE`: how well the garble score ranks a newsroom's own labelled sentences.

The labels file is TSV, one sentence a line (`#` starts a comment); the label is `garbled` or `clean`
(other labels are ignored):

    garbled<TAB>The sentence as it appears in the article.
    clean<TAB>sentence<TAB>Another sentence.                  (a middle "kind" column is allowed)
    garbled<TAB>wire/story.txt<TAB>812<TAB>871                (a file and character offsets)

Sentences given as text are looked up in the articles named with `--article` (or the article beside the
labels file: `X.labels.tsv` → `X.txt`) so they are scored in context; a sentence found in no article is
checked alone. Every figure is printed beside the trivial baseline, sentence length in words.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from checker.engine import Engine
from checker.errors import CheckerError
from checker.ingest import Document, read_path, sha256_bytes
from checker.metrics import (
    auroc,
    average_precision,
    cut_for_false_alarms,
    rates_at,
    recall_at_false_alarms,
    stratified_auroc,
)

LABELS = {"garbled": True, "clean": False, "1": True, "0": False}


@dataclass
class Labelled:
    garbled: bool
    text: str = ""
    file: str = ""
    start: int = -1
    end: int = -1


def read_labels(path: Path) -> list[Labelled]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()  # a BOM would hide the first label
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckerError(f"cannot read labels {path}: {exc}") from None
    out = []
    for n, row in enumerate(csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
        if not row or row[0].startswith("#") or row[0].strip().lower() not in LABELS:
            continue
        y = LABELS[row[0].strip().lower()]
        if len(row) == 4 and row[2].isdigit() and row[3].isdigit():
            article = (path.parent / row[1]).resolve()
            if not article.is_file():
                raise CheckerError(f"{path}:{n}: the article {row[1]} is not there (looked for {article})")
            out.append(Labelled(y, file=str(article), start=int(row[2]), end=int(row[3])))
        elif len(row) in (2, 3):
            out.append(Labelled(y, text=row[-1].strip()))
        else:
            raise CheckerError(f"{path}:{n}: expected label<TAB>sentence or label<TAB>file<TAB>start<TAB>end")
    if not out:
        raise CheckerError(f"{path}: no garbled/clean labels found")
    return out


def beside(path: Path) -> list[Path]:
    stem = path.name.removesuffix(".tsv").removesuffix(".labels")
    return [p for p in sorted(path.parent.glob(stem + ".*")) if p != path and not p.name.endswith(".tsv")]


def _norm(text: str) -> str:
    return " ".join(text.split())


def score_labels(engine: Engine, labels: list[Labelled], articles: list[Path]) -> list[tuple[bool, float, int, bool]]:
    """(garbled?, garble score, words, flagged?) per labelled sentence found."""
    by_text: dict[str, tuple[float, bool]] = {}
    for path in articles:
        report = engine.check(read_path(str(path), max_bytes=engine.settings.max_bytes))
        for s in report.sentences:
            by_text.setdefault(_norm(s.text), (s.garble, s.flagged))
    by_file: dict[str, list] = {}
    rows = []
    for lab in labels:
        if lab.file:
            if lab.file not in by_file:
                by_file[lab.file] = engine.check(read_path(lab.file, max_bytes=engine.settings.max_bytes)).sentences
            sent = next((s for s in by_file[lab.file] if s.start <= lab.start < s.end and s.kind == "sentence"), None)
            if sent is None:
                continue
            rows.append((lab.garbled, sent.garble, len(sent.text.split()), sent.flagged))
            continue
        key = _norm(lab.text)
        if key not in by_text:  # not in any article: check it alone
            data = lab.text.encode()
            rep = engine.check(Document(lab.text, "<label>", sha256_bytes(data)))
            prose = [s for s in rep.sentences if s.kind == "sentence"]
            by_text[key] = (max((s.garble for s in prose), default=0.0), any(s.flagged for s in rep.sentences))
        g, flagged = by_text[key]
        rows.append((lab.garbled, g, len(lab.text.split()), flagged))
    return rows


def run_labels_eval(engine: Engine, labels_path: Path, articles: list[Path], target_fa: float | None
                    ) -> Iterator[str]:
    labels = read_labels(labels_path)
    if not articles and any(lab.text for lab in labels):
        articles = beside(labels_path)
    rows = score_labels(engine, labels, articles)
    y = [r[0] for r in rows]
    g = [r[1] for r in rows]
    words = [float(r[2]) for r in rows]
    n_pos = sum(y)
    yield (f"{labels_path.name}: {len(rows)} labelled sentences scored ({n_pos} garbled, {len(rows) - n_pos} clean)"
           + (f"; {len(labels) - len(rows)} not found" if len(rows) < len(labels) else ""))
    if not n_pos or n_pos == len(rows):
        raise CheckerError("need both garbled and clean sentences to measure a ranking")
    strat = stratified_auroc(y, g, words)
    yield (f"  garble score      AUROC {auroc(y, g):.3f}  AP {average_precision(y, g):.3f}  "
           f"length-stratified AUROC {strat:.3f}  recall@5%FA {recall_at_false_alarms(y, g, .05):.2f}")
    yield (f"  baseline, words   AUROC {auroc(y, words):.3f}  AP {average_precision(y, words):.3f}  "
           f"recall@5%FA {recall_at_false_alarms(y, words, .05):.2f}")
    sig = engine.signature()["thresholds"]
    for name, key in (("error", "garble_error"), ("warning", "garble_warning")):
        if key in sig:
            rec, fa = rates_at(y, g, sig[key])
            yield f"  at the {name} threshold {sig[key]:.3f}: recall {rec:.2f}, false alarms {fa:.2f}"
    flagged_rec = sum(1 for r in rows if r[0] and r[3]) / n_pos
    flagged_fa = sum(1 for r in rows if not r[0] and r[3]) / (len(rows) - n_pos)
    yield f"  flagged by any finding (error or warning): recall {flagged_rec:.2f}, false alarms {flagged_fa:.2f}"
    if target_fa is not None:
        cut = cut_for_false_alarms([s for s, lab in zip(g, y) if not lab], target_fa)
        rec, fa = rates_at(y, g, cut)
        yield (f"  suggested threshold for ≤{target_fa:.0%} false alarms on these clean sentences: {cut:.3f} "
               f"(recall {rec:.2f}, false alarms {fa:.2f}); set it as `threshold` or `warning` in .checker.toml")
