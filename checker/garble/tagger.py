"""`token-tagger` (garble 0.2): a token tagger over frozen LM hidden states and surprisal, pooled into a sentence
probability; it underlines the tokens it marks."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from checker.features import FEATURES, sentence_features, span_tokens, visible_start
from checker.garble.base import Identified, register_scorer, whole_words
from checker.parts import ArticleScores, GarbleVerdict

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
    if not len(p):
        return dict.fromkeys(POOLED, 0.0)
    top = np.sort(p)[::-1]
    return {"max_p": float(top[0]), "top3_p": float(top[:3].mean()), "mean_p": float(p.mean()),
            "noisy_or": float(-np.log1p(-np.clip(p, 0, 0.999)).sum() / (1 + np.log(len(p)))),
            "frac_hi": float((p >= 0.5).mean())}


def arrays(block: dict[str, Any]) -> dict[str, Any]:
    """A model block from the JSON file as float32 arrays (parsed once, at load)."""
    return {k: (np.asarray(v, np.float32) if isinstance(v, list) and k != "features" else v) for k, v in block.items()}


def _lr(block: dict[str, Any], x: Any) -> Any:
    """A logistic model, or with `w1` a one-hidden-layer MLP (ReLU), on standardised inputs."""
    z = (x - block["mean"]) / block["scale"]
    if "w1" in block:
        z = np.maximum(z @ block["w1"] + block["b1"], 0.0)
    return 1.0 / (1.0 + np.exp(-(z @ block["coef"] + block["intercept"])))


@register_scorer("token-tagger")
class TokenTaggerScorer(Identified):
    """A token tagger over frozen Gemma hidden states and surprisal (trained on MQM Major fluency spans),
    pooled into a sentence probability with the article-level surprisal features. Underlines the tokens the
    tagger marks and names them in the reason. See models/garble/MODEL_CARD.md."""

    wants_hidden = True

    def __init__(self, spec: dict[str, Any], sha256: str) -> None:
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
        self.identify(spec, sha256, "garble-tagger")

    def token_probabilities(self, hidden: Any, st: Any, idx: list[int]) -> Any:
        return _lr(self.token, token_features(hidden, st, idx))

    def score(self, article: ArticleScores) -> list[GarbleVerdict]:
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
