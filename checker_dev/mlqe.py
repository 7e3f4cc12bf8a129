"""MLQE-PE (X→English, CC0): real NMT output with post-edits and word-level OK/BAD tags, as one-sentence
articles the garble tagger can train on and be measured on.

The MT lines are tokenised ("Games provide new challenges for IA in the area of gambling theory ."); checker
reads wire copy, so each line is detokenised to ordinary spacing and every MT token keeps its character span.
A token tagged BAD (the post-editor changed or deleted it) is a positive; gap tags (words inserted) are left out.
Sentence label as the issue's dev table asks: *garbled* when HTER ≥ 0.3, *clean* when HTER = 0, *other* between.
Splits: MLQE-PE's own `train` (fitting), `dev` (unused here) and `test20` (reported only).
"""

from __future__ import annotations

import random
import tarfile
from functools import cache

from checker_dev import garbledata
from checker_dev.devdata import SHARED

PAIRS = ("et-en", "ne-en", "ro-en", "ru-en", "si-en")
NO_SPACE_BEFORE = {".", ",", ";", ":", "!", "?", ")", "]", "}", "%", "'s", "n't", "'re", "'ve", "'ll", "'d", "'m",
                   "”", "’"}
NO_SPACE_AFTER = {"(", "[", "{", "“", "‘", "$"}


def detokenise(tokens: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Ordinary spacing for a tokenised line, with each token's character span in the result."""
    out, spans, pos, quote_open = [], [], 0, False
    for i, t in enumerate(tokens):
        prev = tokens[i - 1] if i else ""
        glue = i == 0 or t in NO_SPACE_BEFORE or prev in NO_SPACE_AFTER or (prev == '"' and quote_open)
        if t == '"':
            glue = i == 0 or quote_open or prev in NO_SPACE_AFTER
            quote_open = not quote_open
        if not glue:
            out.append(" ")
            pos += 1
        spans.append((pos, pos + len(t)))
        out.append(t)
        pos += len(t)
    return "".join(out), spans


@cache
def _read(pair: str, split: str) -> dict[str, list[str]]:
    name = "test" if split == "test20" else split
    with tarfile.open(SHARED / "data" / "mlqe-pe-x-en" / f"{pair}-{name}.tar.gz") as tar:
        files = {}
        for m in tar.getmembers():
            if m.isfile():
                ext = m.name.rsplit(".", 1)[-1]
                files[ext] = tar.extractfile(m).read().decode("utf-8").splitlines()
    return files


@cache
def articles(split: str) -> tuple[garbledata.Article, ...]:
    """Every MT line of a split (all five pairs) as a one-sentence article with its BAD tokens as spans."""
    out = []
    for pair in PAIRS:
        f = _read(pair, split)
        for i, (mt, tags, hter) in enumerate(zip(f["mt"], f["tags"], f["hter"])):
            toks = mt.split()
            tag = tags.split()
            if not toks or len(tag) != 2 * len(toks) + 1:
                continue
            text, spans = detokenise(toks)
            bad = [spans[j] for j in range(len(toks)) if tag[2 * j + 1] == "BAD"]
            h = float(hter)
            label = "garbled" if h >= 0.3 else "clean" if h == 0 else "other"
            seg = garbledata.Segment(0, len(text), label, "", bad, [], ("mlqe",), int(label == "garbled"))
            out.append(garbledata.Article(f"mlqe/{pair}/{split}/{i}", f"mlqe-{pair}", split, text, [seg]))
    return tuple(out)


def sample(split: str, per_pair: int, seed: int = 0) -> list[garbledata.Article]:
    """A fixed sample of `per_pair` lines from each language pair (all of them when fewer)."""
    rng = random.Random(f"mlqe-{split}-{seed}")
    out = []
    for pair in PAIRS:
        rows = [a for a in articles(split) if a.domain == f"mlqe-{pair}"]
        out += rng.sample(rows, min(per_pair, len(rows)))
    return out



def word_spans(a: garbledata.Article) -> list[tuple[int, int]]:
    """The MT tokens' character spans (the units MLQE-PE tags), recovered from the detokenised text."""
    pair, split, i = a.key.split("/")[1:]
    return detokenise(_read(pair, split)["mt"][int(i)].split())[1]
