"""`logistic-surprisal` (garble 0.1): a monotone logistic model over sentence surprisal features."""

from __future__ import annotations

import math
from typing import Any

from checker.features import FEATURES, most_surprising_window, sentence_features, span_tokens, visible_start
from checker.garble.base import Identified, register_scorer, whole_words
from checker.parts import ArticleScores, GarbleVerdict

LOCAL = {"max3_adj", "max5_adj", "max_adj"}


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
class LogisticGarbleScorer(Identified):
    """Monotone logistic regression over surprisal features, fitted on TED MQM + synthetic garbles."""

    wants_hidden = False
    hidden_layers: tuple[int, ...] = ()

    def __init__(self, spec: dict[str, Any], sha256: str) -> None:
        self.features: list[str] = spec["features"]
        missing = set(self.features) - set(FEATURES)
        if missing:
            raise ValueError(f"garble model needs unknown features: {sorted(missing)}")
        self.mean, self.scale, self.coef = spec["mean"], spec["scale"], spec["coef"]
        self.intercept: float = spec["intercept"]
        self.identify(spec, sha256, "garble-lr")

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
            span = whole_words(text, visible_start(text, window[0]), window[-1].end, seg.start, seg.end)
            out[i] = GarbleVerdict(self.probability(row), [span], reason(text, span, self.contributions(row)), row)
        return out
