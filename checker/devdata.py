"""Development data: the seed labels and the TED MQM (zh→en) sentence labels, as scoreable documents."""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
REPO = Path(__file__).resolve().parent.parent
TED_TSV = SHARED / "data" / "mqm-ted-zhen" / "mqm_ted_zhen.tsv"
SEED = REPO / "seeds" / "000_a4ddab08513021e3.txt"


@dataclass
class LabelledDoc:
    key: str
    text: str
    spans: list[tuple[int, int]]
    labels: list[str]  # "garbled" | "clean" | "other"


def seed_labels(path: Path | None = None) -> dict[str, str]:
    """Sentence text → label from a `.labels.tsv` beside the seed."""
    path = path or SEED.with_suffix(".labels.tsv")
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            label, _kind, sentence = line.split("\t", 2)
            out[sentence] = label
    return out


def _ted_label(rows: list[dict[str, str]]) -> str:
    if any(r["category"].startswith("Non-translation") or (
            r["severity"] == "Major" and (r["category"].startswith("Fluency") or r["category"] == "Style/Awkward"))
           for r in rows):
        return "garbled"
    if all(r["category"] == "No-error" for r in rows):
        return "clean"
    return "other"


def ted_docs(path: Path = TED_TSV, max_segments: int = 700, seed: int = 7) -> list[LabelledDoc]:
    """A fixed random sample of (system, talk) documents, each rebuilt in segment order.

    Scoring the whole set costs ~45 min on 2 cores, so a deterministic sample of about
    `max_segments` segments is used; each document stays whole so segments keep their context.
    """
    segs: dict[tuple[str, str], dict[int, list[dict[str, str]]]] = {}
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            segs.setdefault((r["system"], r["doc"]), {}).setdefault(int(r["seg_id"]), []).append(r)
    keys = sorted(segs)
    random.Random(seed).shuffle(keys)
    docs, total = [], 0
    for system, doc in keys:
        if total >= max_segments:
            break
        parts, spans, labels, pos = [], [], [], 0
        for _sid, rows in sorted(segs[(system, doc)].items()):
            text = re.sub(r"</?v>", "", rows[0]["target"]).strip()
            if not text:
                continue
            spans.append((pos, pos + len(text)))
            labels.append(_ted_label(rows))
            parts.append(text)
            pos += len(text) + 1
        total += len(spans)
        docs.append(LabelledDoc(f"{system}/{doc}", " ".join(parts), spans, labels))
    return docs


def talk_of(key: str) -> str:
    return key.split("/", 1)[1]
