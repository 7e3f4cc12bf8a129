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

from checker.features import FEATURES, most_surprising_window, sentence_features, span_tokens, visible_start
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

    path = path or garble_path()
    raw = path.read_bytes()
    spec = json.loads(raw)
    spec["__dir__"] = str(path.parent)
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
            span = whole_words(text, visible_start(text, window[0]), window[-1].end, seg.start, seg.end)
            out[i] = GarbleVerdict(self.probability(row), [span], reason(text, span, self.contributions(row)), row)
        return out


# beside the hidden state: the token's own surprisal figures, and its neighbours' (a wrong word often shows
# as surprise at the words after it)
TOKEN_EXTRA = ("surprisal", "unigram", "adjusted", "excess", "prev_adjusted", "next_adjusted", "next2_adjusted",
               "next_excess")


def in_context(text: str, toks: list, index: list[list[int]], starts: list[int]) -> tuple[list, list[list[int]]]:
    """Span tokens per sentence, without the article's first token: with nothing before it its surprisal says
    nothing about the sentence (12-18 nats for any first word), and a one-sentence wire flash would otherwise
    look garbled. Training and scoring both read sentences through this."""
    kept = [[i for i in idx if i != 0] for idx in index]
    return [span_tokens(text, toks, idx, start) for idx, start in zip(kept, starts)], kept
POOLED = ("max_p", "top3_p", "mean_p", "noisy_or", "frac_hi")
CONTEXT = ("off_topic",)


def off_topic(hidden: Any, index: list[list[int]], center: Any) -> list[float]:
    """1 − cosine between a sentence's mean final LM state and the mean of the other sentences' states, both
    taken from a fixed corpus centre: a fluent sentence about something else (MQM "non-translation": an
    invented or misplaced sentence) stands apart from its article. A lone sentence has nothing to compare: 0."""
    import numpy as np

    means = np.stack([hidden[idx].astype(np.float32).mean(0) - center if idx else np.zeros_like(center)
                      for idx in index]) if index else np.zeros((0, len(center)), np.float32)
    sizes = np.array([len(idx) for idx in index], dtype=np.float32)
    total = (means * sizes[:, None]).sum(0)
    out = []
    for k in range(len(index)):
        rest_n = sizes.sum() - sizes[k]
        if rest_n <= 0 or sizes[k] == 0:
            out.append(0.0)
            continue
        rest = (total - means[k] * sizes[k]) / rest_n
        cos = float(means[k] @ rest / (np.linalg.norm(means[k]) * np.linalg.norm(rest) + 1e-9))
        out.append(1.0 - cos)
    return out


def token_features(hidden: Any, st: Any, idx: list[int]) -> Any:
    """One row per token: the LM's final hidden state, then its surprisal, unigram surprisal (wordfreq),
    name-discounted surprisal and the excess over unigram."""
    import numpy as np

    h = np.asarray(hidden[idx], dtype=np.float32) if len(idx) else np.zeros((0, hidden.shape[1]), np.float32)
    s = np.asarray(st.lm, dtype=np.float32)
    u = np.asarray(st.unigram, dtype=np.float32)
    a = np.asarray(st.adjusted, dtype=np.float32)

    def shift(v, k):
        out = np.zeros_like(v)
        if k > 0:
            out[:-k or None] = v[k:]
        else:
            out[-k:] = v[:k or None]
        return out

    extra = np.stack([s, u, a, s - u, shift(a, -1), shift(a, 1), shift(a, 2), shift(s - u, 1)], axis=1) \
        if len(s) else np.zeros((0, len(TOKEN_EXTRA)), np.float32)
    return np.concatenate([h, extra], axis=1)


def pooled_features(p: Any) -> dict[str, float]:
    """How a sentence's token probabilities add up: the worst token, the worst three, the spread."""
    import numpy as np

    if not len(p):
        return dict.fromkeys(POOLED, 0.0)
    top = np.sort(p)[::-1]
    return {"max_p": float(top[0]), "top3_p": float(top[:3].mean()), "mean_p": float(p.mean()),
            "noisy_or": float(-np.log1p(-np.clip(p, 0, 0.999)).sum() / (1 + np.log(len(p)))),
            "frac_hi": float((p >= 0.5).mean())}


def arrays(block: dict[str, Any]) -> dict[str, Any]:
    """A model block from the JSON file as float32 arrays (parsed once, at load)."""
    import numpy as np

    return {k: (np.asarray(v, np.float32) if isinstance(v, list) and k != "features" else v) for k, v in block.items()}


def _lr(block: dict[str, Any], x: Any) -> Any:
    """A logistic model, or with `w1` a one-hidden-layer MLP (ReLU), on standardised inputs."""
    import numpy as np

    z = (x - block["mean"]) / block["scale"]
    if "w1" in block:
        z = np.maximum(z @ block["w1"] + block["b1"], 0.0)
    return 1.0 / (1.0 + np.exp(-(z @ block["coef"] + block["intercept"])))


@register_scorer("token-tagger")
class TokenTaggerScorer:
    """A token tagger over frozen Gemma hidden states and surprisal (trained on MQM Major fluency spans),
    pooled into a sentence probability with the article-level surprisal features. Underlines the tokens the
    tagger marks and names them in the reason. See models/garble/MODEL_CARD.md."""

    wants_hidden = True

    def __init__(self, spec: dict[str, Any], sha256: str) -> None:
        import numpy as np

        self.token = arrays(spec["token"])
        self.sentence = arrays(spec["sentence"])
        self.sentence_features: list[str] = self.sentence["features"]
        missing = set(self.sentence_features) - set(FEATURES) - set(POOLED) - set(CONTEXT)
        if missing:
            raise ValueError(f"garble model needs unknown features: {sorted(missing)}")
        self.center = np.asarray(spec["center"], np.float32) if "center" in spec else None
        if "off_topic" in self.sentence_features and self.center is None:
            raise ValueError("garble model uses off_topic but has no centre")
        self.span_min: float = spec.get("span_min", 0.5)
        # a wire flash of one or two sentences has no article around it: every token is more surprising, so its
        # logit is shifted by an amount fitted on clean calib sentences checked alone (same false-alarm rate)
        self.short_sentences: int = spec.get("short_sentences", 2)
        self.short_shift: float = spec.get("short_shift", 0.0)
        self.threshold: float = spec["threshold"]
        self.warning: float = spec["warning"]
        self.name: str = spec.get("name", "garble-tagger")
        self.version: str = str(spec.get("version", "1"))
        self.sha256 = sha256

    def token_probabilities(self, hidden: Any, st: Any, idx: list[int]) -> Any:
        return _lr(self.token, token_features(hidden, st, idx))

    def score(self, article: ArticleScores) -> list[GarbleVerdict]:
        import numpy as np

        text, toks, hidden = article.text, article.lm.tokens, article.lm.hidden
        if hidden is None:
            raise ValueError("the token-tagger garble scorer needs the LM's hidden states")
        sts, index = in_context(text, toks, article.token_index, [s.start for s in article.sentences])
        live = [i for i, st in enumerate(sts) if st.tokens]
        out = [GarbleVerdict(0.0) for _ in sts]
        topic = off_topic(hidden, [index[i] for i in live], self.center) if self.center is not None \
            else [0.0] * len(live)
        for k, (i, row) in enumerate(zip(live, sentence_features([sts[i] for i in live]))):
            seg, st, idx = article.sentences[i], sts[i], index[i]
            p = self.token_probabilities(hidden, st, idx)
            feats = {**row, **pooled_features(p)}
            if self.center is not None:
                feats["off_topic"] = topic[k]
            x = np.array([[feats[f] for f in self.sentence_features]], dtype=np.float32)
            prob = float(_lr(self.sentence, x)[0])
            if len(live) <= self.short_sentences and self.short_shift:
                prob = 1.0 / (1.0 + math.exp(self.short_shift - math.log(max(prob, 1e-9) / max(1 - prob, 1e-9))))
            spans = self._spans(text, st, p, seg.start, seg.end)
            words = ", ".join(f"“{text[a:b]}”" for a, b in spans[:2])
            why = (f"{words} {'reads' if len(spans) == 1 else 'read'} as broken English here" if spans
                   else "the sentence as a whole reads as broken English")
            out[i] = GarbleVerdict(prob, spans, why, feats)
        return out

    def _spans(self, text: str, st: Any, p: Any, lo: int, hi: int) -> list[tuple[int, int]]:
        """Runs of tokens the tagger marks (at least `span_min`, else the single most likely one), whole words."""
        import numpy as np

        if not len(p):
            return []
        marked = p >= self.span_min
        if not marked.any():
            marked = np.zeros(len(p), dtype=bool)
            marked[int(np.argmax(p))] = True
        runs, k = [], 0
        while k < len(p):
            if not marked[k]:
                k += 1
                continue
            j = k
            while j + 1 < len(p) and marked[j + 1]:
                j += 1
            runs.append((float(p[k:j + 1].max()), k, j))
            k = j + 1
        runs.sort(reverse=True)
        spans = []
        for _, a, b in runs[:3]:
            spans.append(whole_words(text, visible_start(text, st.tokens[a]), st.tokens[b].end, lo, hi))
        return sorted(set(spans))
