"""Sentence features from token surprisal: what the garble model sees.

Names and numbers are rare everywhere, so their LM surprisal is discounted by their unigram
surprisal (wordfreq) before windows look for local garbles.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from checker.tokens import TokenScore

FEATURES = ("mean", "neg_slor", "max3_adj", "max5_adj", "max_adj", "max3_excess", "z_mean", "z_slor", "log_len")
WORD_RE = re.compile(r"[\w’'-]+")
FLOOR = 1e-8  # unseen words: ~18.4 nats
PUNCT_UNIGRAM = 4.0


@lru_cache(maxsize=65536)
def unigram_surprisal(word: str) -> float:
    from wordfreq import word_frequency  # noqa: PLC0415 - 70 ms to import: on first use, not at `checker --help`

    return -math.log(max(word_frequency(word.lower().replace("’", "'"), "en"), FLOOR))


def zipf_rare(word: str) -> bool:
    return unigram_surprisal(word) > 11.5  # rarer than ~1e-5 (zipf < 4)


@dataclass
class SpanTokens:
    """Tokens of one sentence with the per-token quantities the features use."""

    tokens: list[TokenScore]
    lm: list[float]
    unigram: list[float]
    adjusted: list[float]


def visible_start(text: str, tok: TokenScore) -> int:
    """Where a token's text starts once the whitespace the tokenizer folds into it is skipped."""
    s = tok.start
    while s < tok.end and text[s].isspace():
        s += 1
    return s


def assign_tokens(text: str, tokens: Sequence[TokenScore], spans: Sequence[tuple[int, int]]) -> list[list[int]]:
    """Token indices per span, by where the token's first visible character falls."""
    out: list[list[int]] = [[] for _ in spans]
    order = sorted(range(len(spans)), key=lambda i: spans[i][0])
    j = 0
    for ti, tok in enumerate(tokens):
        pos = visible_start(text, tok)
        if pos >= tok.end:
            continue  # whitespace-only tokens (paragraph breaks) belong to no sentence
        while j < len(order) and spans[order[j]][1] <= pos:
            j += 1
        if j < len(order) and spans[order[j]][0] <= pos < spans[order[j]][1]:
            out[order[j]].append(ti)
    return out


def span_tokens(text: str, tokens: Sequence[TokenScore], idx: list[int], span_start: int) -> SpanTokens:
    toks = [tokens[i] for i in idx]
    words = [(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(text, span_start, toks[-1].end)] \
        if toks else []
    lm = [t.surprisal for t in toks]
    unigram, adjusted = [], []
    wi = 0
    # how many tokens fall in each word, to share the word's unigram surprisal among them
    counts: dict[int, int] = {}
    owner: list[int | None] = []
    for t in toks:
        pos = visible_start(text, t)
        while wi < len(words) and words[wi][1] <= pos:
            wi += 1
        w = wi if wi < len(words) and words[wi][0] <= pos < words[wi][1] else None
        owner.append(w)
        if w is not None:
            counts[w] = counts.get(w, 0) + 1
    for w, s in zip(owner, lm):
        if w is None:
            unigram.append(PUNCT_UNIGRAM)
            adjusted.append(s)
            continue
        ws, _we, word = words[w]
        u = unigram_surprisal(word) / counts[w]
        unigram.append(u)
        # names and numbers are rare everywhere; a capitalised first word only when it is rare as a word
        is_name = any(c.isdigit() for c in word) or (word[0].isupper() and (ws != span_start or zipf_rare(word)))
        adjusted.append(max(0.0, s - u) if is_name else s)
    return SpanTokens(toks, lm, unigram, adjusted)


def _window_max(values: list[float], k: int) -> float:
    if not values:
        return 0.0
    if len(values) <= k:
        return sum(values) / len(values)
    return max(sum(values[i:i + k]) / k for i in range(len(values) - k + 1))


def _robust_z(values: list[float]) -> list[float]:
    if len(values) < 3:
        return [0.0] * len(values)
    srt = sorted(values)
    med = srt[len(srt) // 2]
    mad = sorted(abs(v - med) for v in values)[len(values) // 2]
    scale = 1.4826 * mad + 0.25
    return [(v - med) / scale for v in values]


def sentence_features(spans: Sequence[SpanTokens]) -> list[dict[str, float]]:
    """One feature dict per span; z-scores compare each span with the others of the same article."""
    rows = []
    for sp in spans:
        n = max(len(sp.lm), 1)
        rows.append({
            "mean": sum(sp.adjusted) / n,  # names and numbers discounted
            "neg_slor": (sum(sp.lm) - sum(sp.unigram)) / n,
            "max3_adj": _window_max(sp.adjusted, 3),
            "max5_adj": _window_max(sp.adjusted, 5),
            "max_adj": max(sp.adjusted, default=0.0),
            "max3_excess": _window_max([a - u for a, u in zip(sp.lm, sp.unigram)], 3),
            "log_len": math.log(n),
        })
    for key, zkey in (("mean", "z_mean"), ("neg_slor", "z_slor")):
        for row, z in zip(rows, _robust_z([r[key] for r in rows])):
            row[zkey] = z
    return rows


def most_surprising_window(sp: SpanTokens, k: int = 3) -> tuple[int, int]:
    """Indices [i, j) into sp.tokens of the worst short window, for underlining."""
    vals = sp.adjusted
    if len(vals) <= k:
        return 0, len(vals)
    best = max(range(len(vals) - k + 1), key=lambda i: sum(vals[i:i + k]))
    return best, best + k
