"""Development data: the seed labels and the TED MQM (zh→en) sentence labels, as scoreable documents."""

from __future__ import annotations

import csv
import os
import random
import re
from dataclasses import dataclass
from pathlib import Path

SHARED = Path(os.environ.get("CHECKER_SHARED") or Path(__file__).resolve().parent.parent.parent / "shared")
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


def ted_docs(path: Path = TED_TSV, max_segments: int = 1000, seed: int = 7) -> list[LabelledDoc]:
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


FUNCTION_WORDS = ["the", "a", "to", "of", "in", "on", "for", "with", "that", "is", "are", "was", "and", "by"]
INFLECT = [(r"(\w{3,})ing\b", r"\1"), (r"(\w{3,})ed\b", r"\1"), (r"\bis\b", "are"), (r"\bare\b", "is"),
           (r"\bhas\b", "have"), (r"\bwas\b", "were"), (r"(\w{3,})s\b", r"\1"), (r"\ban?\b", "the")]


def corrupt(text: str, vocab: list[str], rng: random.Random) -> str:
    """An MT-style garble of a clean sentence: a wrong verb form, swapped or dropped words, a stray word."""
    words = text.split(" ")
    if len(words) < 4:
        return text
    for _ in range(rng.choice([1, 1, 2])):
        op = rng.choice(["inflect", "swap", "drop", "insert", "replace", "repeat"])
        i = rng.randrange(1, len(words) - 1)
        if op == "inflect":
            for pat, rep in rng.sample(INFLECT, len(INFLECT)):
                new = re.sub(pat, rep, words[i], count=1)
                if new != words[i]:
                    words[i] = new
                    break
        elif op == "swap":
            words[i], words[i + 1] = words[i + 1], words[i]
        elif op == "drop" and len(words) > 5:
            fw = [k for k, w in enumerate(words[1:-1], 1) if w.lower() in FUNCTION_WORDS]
            del words[rng.choice(fw) if fw else i]
        elif op == "insert":
            words.insert(i, rng.choice(FUNCTION_WORDS + vocab))
        elif op == "replace":
            words[i] = rng.choice(vocab)
        elif op == "repeat":
            words.insert(i, words[i])
    return " ".join(words)


def detach(text: str, strangers: list[str], rng: random.Random) -> str:
    """Whole-sentence garbles: a fragment of the sentence, or a short sentence that does not belong here
    (MT hallucination and misplaced fragments), each read in the talk's context."""
    words = text.split(" ")
    if rng.random() < 0.5 and len(words) >= 6:
        i = rng.randrange(0, len(words) - 4)
        frag = " ".join(words[i:i + rng.randint(3, 5)]).strip(",.;:?!")
        return frag[0].upper() + frag[1:] + "."
    return rng.choice(strangers)


def synthetic_docs(talks: tuple[str, ...] = ("talk.2", "talk.5", "talk.6", "talk.9"), rate: float = 0.5,
                   seed: int = 11) -> list[LabelledDoc]:
    """TED talks (the human 'ref' translations) with a share of clean segments garbled on purpose.

    Labels: 'synthetic' for the garbled segments, and the segment's own MQM label otherwise; the
    corrupted segments are read in their talk's context like any other.
    """
    rng = random.Random(seed)
    everything = ted_docs(max_segments=10_000, seed=seed)
    docs = sorted((d for d in everything if d.key.startswith("ref/") and talk_of(d.key) in talks),
                  key=lambda d: d.key)
    out = []
    for doc in docs:
        vocab = [w for w in re.findall(r"[a-z]{4,}", doc.text)]
        strangers = [o.text[a:b] for o in everything if o.key.startswith("ref/") and talk_of(o.key) not in
                     (talk_of(doc.key), "talk.7") for a, b in o.spans if len(o.text[a:b].split()) <= 9]
        parts, spans, labels, pos = [], [], [], 0
        for (s, e), label in zip(doc.spans, doc.labels):
            seg = doc.text[s:e]
            if label != "garbled" and rng.random() < rate:
                new = corrupt(seg, vocab, rng) if rng.random() < 0.7 else detach(seg, strangers, rng)
                if new != seg:
                    seg, label = new, "synthetic"
            spans.append((pos, pos + len(seg)))
            labels.append(label)
            parts.append(seg)
            pos += len(seg) + 1
        out.append(LabelledDoc(f"synthetic-{doc.key}", " ".join(parts), spans, labels))
    return out
