"""Garble scorers: the `GarbleScorer` implementations, chosen by the `class` named in the model file.

`logistic-surprisal` is a monotone logistic model over sentence surprisal features (models/garble/).
A new scorer is one class here (or in its own module) plus one `register_scorer` line.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from checker.features import FEATURES, most_surprising_window, sentence_features, span_tokens
from checker.models import ArticleScores, GarbleScorer, GarbleVerdict

SCORERS: dict[str, Callable[[dict[str, Any], str], GarbleScorer]] = {}
LOCAL = {"max3_adj", "max5_adj", "max_adj"}


def register_scorer(name: str):
    def deco(cls):
        SCORERS[name] = cls
        return cls

    return deco


def load_garble(path: Path | None = None) -> GarbleScorer:
    """Read the model file once: the same bytes give the spec and the sha256 in reports."""
    from checker.modelstore import garble_path

    raw = (path or garble_path()).read_bytes()
    spec = json.loads(raw)
    kind = spec.get("class", "logistic-surprisal")
    if kind not in SCORERS:
        raise ValueError(f"unknown garble scorer class {kind!r} (known: {', '.join(sorted(SCORERS))})")
    return SCORERS[kind](spec, hashlib.sha256(raw).hexdigest())


def whole_words(text: str, start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    """Widen a token window to whole words so the underline never cuts "Kuleva" into "va"."""
    while start > lo and text[start - 1].isalnum():
        start -= 1
    while end < hi and text[end].isalnum():
        end += 1
    while end > start and text[end - 1] in " ,;:“”‘’\"'":
        end -= 1
    while start < end and text[start] in "“”‘’\"'( ":
        start += 1
    return start, end


def reason(text: str, span: tuple[int, int] | None, contributions: dict[str, float]) -> str:
    """Say in an editor's words why the sentence stands out."""
    top = max(contributions, key=contributions.__getitem__) if contributions else ""
    quoted = f"“{text[span[0]:span[1]].strip()}”" if span else ""
    if top in LOCAL and quoted:
        return f"{quoted} is very unlikely English here"
    if top in {"z_mean", "z_slor"}:
        return "reads far less naturally than the rest of the article" + (f"; worst part {quoted}" if quoted else "")
    if top == "log_len":
        return "a short fragment that does not read as a sentence" + (f" ({quoted})" if quoted else "")
    return "the sentence as a whole is unlikely English" + (f"; worst part {quoted}" if quoted else "")


@register_scorer("logistic-surprisal")
class LogisticGarbleScorer:
    """Monotone logistic regression over surprisal features, fitted on TED MQM + synthetic garbles."""

    wants_hidden = False

    def __init__(self, spec: dict[str, Any], sha256: str) -> None:
        self.features: list[str] = spec["features"]
        missing = set(self.features) - set(FEATURES)
        if missing:
            raise ValueError(f"garble model needs unknown features: {sorted(missing)}")
        self.mean, self.scale, self.coef = spec["mean"], spec["scale"], spec["coef"]
        self.intercept: float = spec["intercept"]
        self.threshold: float = spec["threshold"]
        self.warning: float = spec["warning"]
        self.name: str = spec.get("name", "garble-lr")
        self.version: str = str(spec.get("version", "1"))
        self.sha256 = sha256

    def _z(self, row: dict[str, float]) -> list[float]:
        return [c * (row[f] - m) / s for f, c, m, s in zip(self.features, self.coef, self.mean, self.scale)]

    def probability(self, row: dict[str, float]) -> float:
        return 1.0 / (1.0 + math.exp(-(self.intercept + sum(self._z(row)))))

    def contributions(self, row: dict[str, float]) -> dict[str, float]:
        """Per-feature push towards 'garbled', used to word the reason."""
        return dict(zip(self.features, self._z(row)))

    def score(self, article: ArticleScores) -> list[GarbleVerdict]:
        text, toks = article.text, article.lm.tokens
        sts = [span_tokens(text, toks, idx, s.start) for idx, s in zip(article.token_index, article.sentences)]
        live = [i for i, st in enumerate(sts) if st.tokens]
        out = [GarbleVerdict(0.0) for _ in sts]
        for i, row in zip(live, sentence_features([sts[i] for i in live])):
            seg = article.sentences[i]
            a, b = most_surprising_window(sts[i])
            window = sts[i].tokens[a:b]
            first = window[0].start
            while first < window[0].end and text[first].isspace():
                first += 1
            span = whole_words(text, first, window[-1].end, seg.start, seg.end)
            out[i] = GarbleVerdict(self.probability(row), [span], reason(text, span, self.contributions(row)), row)
        return out
