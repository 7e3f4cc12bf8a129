"""`token-tagger` (garble 0.2): a token tagger over frozen LM hidden states and surprisal, pooled into a sentence
probability; it underlines the tokens it marks."""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np

from checker.features import FEATURES, WORD_RE, sentence_features, span_tokens, visible_start
from checker.garble.base import Identified, register_scorer, whole_words
from checker.parts import ArticleScores, GarbleVerdict

# beside the hidden state: the token's own surprisal figures, and its neighbours' (a wrong word often shows
# as surprise at the words after it); v3 adds what a small LM is blind to: a word or two-word phrase repeated
# right after itself (an LM copies repeats happily: "the the" is barely surprising), and letters of another
# script (a word left in the source language)
V2_EXTRA = ("surprisal", "unigram", "adjusted", "excess", "prev_adjusted", "next_adjusted", "next2_adjusted",
            "next_excess")
TOKEN_EXTRA = (*V2_EXTRA, "repeat", "repeat2", "foreign")


def in_context(text: str, toks: list, index: list[list[int]], starts: list[int]) -> tuple[list, list[list[int]]]:
    """Span tokens per sentence, without the article's first token: with nothing before it its surprisal says
    nothing about the sentence (12-18 nats for any first word), and a one-sentence wire flash would otherwise
    look garbled. Training and scoring both read sentences through this."""
    kept = [[i for i in idx if i != 0] for idx in index]
    return [span_tokens(text, toks, idx, start) for idx, start in zip(kept, starts)], kept
POOLED = ("max_p", "top3_p", "mean_p", "noisy_or", "frac_hi")
# a lower-case word or phrase of up to three words said twice in a row ("the the", "to dare to dare"): a small LM
# copies it happily, an editor sees it at once. Names double ("Li Li", "Run Run Shaw": capitalised), a few words
# do in good English, and "more and more" holds "and more" twice.
REPEATED = re.compile(r"(?i)(?<![\w’'-])((?:[a-z]+\s+){0,2}[a-z]+)\s+(\1)(?![\w’'-])")
GOOD_DOUBLES = frozenset({"had", "that", "in", "is", "bye", "ha", "very", "so", "no", "knock", "chop", "tut", "boo",
                          "pooh", "yada", "bla", "blah", "ho", "hee", "tsk", "tick", "mm", "ah", "oh", "la", "cha"})
CONTEXT = ("off_topic", "short_input")


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


def _foreign(ch: str) -> bool:
    return ch.isalpha() and "LATIN" not in unicodedata.name(ch, "LATIN")


def word_flags(text: str, st: Any) -> Any:
    """Per token: its word repeats the word before it; it is part of a two-word phrase said twice in a row;
    it has letters of a non-Latin script."""
    n = len(st.tokens)
    out = np.zeros((n, 3), np.float32)
    if not n:
        return out
    lo, hi = st.tokens[0].start, st.tokens[-1].end
    found = [(m.start(), m.end(), m.group().lower()) for m in WORD_RE.finditer(text, lo, hi)]
    rep1 = [0.0] * len(found)
    rep2 = [0.0] * len(found)
    for i, (_a, _b, w) in enumerate(found):
        if i and w == found[i - 1][2] and w.isalpha():
            rep1[i] = 1.0
        if i >= 3 and (found[i - 1][2], w) == (found[i - 3][2], found[i - 2][2]):
            rep2[i] = rep2[i - 1] = 1.0
    starts = [a for a, _b, _w in found]
    for j, t in enumerate(st.tokens):
        pos = visible_start(text, t)
        k = bisect.bisect_right(starts, pos) - 1
        if k >= 0 and found[k][0] <= pos < found[k][1]:
            out[j, 0], out[j, 1] = rep1[k], rep2[k]
        out[j, 2] = float(any(_foreign(c) for c in text[t.start:t.end]))
    return out


def token_features(hidden: Any, st: Any, idx: list[int], text: str = "", extra: tuple[str, ...] = TOKEN_EXTRA
                   ) -> Any:
    """One row per token: the LM's final hidden state, then the `extra` figures (its surprisal, unigram
    surprisal (wordfreq), name-discounted surprisal, the excess over unigram, the neighbours'; v3: repeats and
    foreign script)."""
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

    if not len(s):
        return np.zeros((0, h.shape[1] + len(extra)), np.float32)
    cols = [s, u, a, s - u, shift(a, -1), shift(a, 1), shift(a, 2), shift(s - u, 1)]
    if len(extra) > len(V2_EXTRA):
        flags = word_flags(text, st)
        cols += [flags[:, 0], flags[:, 1], flags[:, 2]]
    return np.concatenate([h, np.stack(cols, axis=1)], axis=1)


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
    return {k: (np.asarray(v, np.float32) if isinstance(v, list) and k not in ("features", "extra", "any_of") else v)
            for k, v in block.items()}


def _lr(block: dict[str, Any], x: Any) -> Any:
    """A logistic model, or with `w1` a one-hidden-layer MLP (ReLU), on standardised inputs."""
    z = (x - block["mean"]) / block["scale"]
    if "w1" in block:
        z = np.maximum(z @ block["w1"] + block["b1"], 0.0)
    return 0.5 * (1.0 + np.tanh(0.5 * (z @ block["coef"] + block["intercept"])))  # the logistic, without overflow


@register_scorer("token-tagger")
class TokenTaggerScorer(Identified):
    """A token tagger over frozen Gemma hidden states and surprisal (v3: trained on MQM Major fluency spans,
    generated breaks and MLQE-PE word tags), pooled into a sentence probability with the article-level surprisal
    features. Underlines the runs of tokens it is confident about, each with its confidence; a sentence it flags
    with no such run has "no single place". See models/garble/MODEL_CARD.md."""

    wants_hidden = True

    def __init__(self, spec: dict[str, Any], sha256: str) -> None:
        self.token = arrays(spec["token"])
        self.extra: tuple[str, ...] = tuple(spec["token"].get("extra", V2_EXTRA))
        if self.extra not in (V2_EXTRA, TOKEN_EXTRA):
            raise ValueError(f"garble model needs unknown token inputs: {self.extra}")
        # v3: more token heads on the same inputs, each pooled into its own sentence features ("break_max_p"):
        # one head learns the blatant breaks an editor sees at once, the first the real MT errors experts mark
        self.heads: list[tuple[str, dict[str, Any], float]] = [
            (h["name"], arrays({k: v for k, v in h.items() if k not in ("name", "span_min")}), float(h["span_min"]))
            for h in spec.get("heads", [])]
        # 3.2: a head may read a middle layer's normalised states ("layer": 10) instead of the final ones: a linear
        # probe finds broken grammar there better than in the last layer, which is shaped for the next word
        self.head_layers: list[int | None] = [spec["token"].get("layer"),
                                              *(h.get("layer") for h in spec.get("heads", []))]
        # 3.3: the context head, a small bidirectional transformer over a middle layer's states (context.py)
        self.context: Any = None
        self.context_layer: int | None = None
        self.context_min = 1.0
        if "context" in spec:
            from checker.garble.context import load as load_context  # noqa: PLC0415 - 3.3 files only

            self.context = _companion(spec, "context", load_context, "context head")
            self.context_layer, self.context_min = spec["context"].get("layer"), float(spec["context"]["span_min"])
        self.hidden_layers: tuple[int, ...] = tuple(sorted({k for k in (*self.head_layers, self.context_layer)
                                                            if k is not None}))
        # v3: the break tagger, a bidirectional encoder over each sentence and the one before it
        self.encoder: Any = None
        self.encoder_min = 1.0
        if "encoder" in spec:
            from checker.garble.encoder import load as load_encoder  # noqa: PLC0415 - v3 files only

            self.encoder = _companion(spec, "encoder", load_encoder, "encoder")
            self.encoder_min = float(spec["encoder"]["span_min"])
        # 3.2: the sentence model may be two ("any_of"): one fitted to the experts' MQM label, one to generated
        # breaks, the sentence's probability the higher of the two (one logistic model serving both labels ranked
        # each worse: MQM's follows length, the breaks' does not)
        self.sentence = arrays(spec["sentence"])
        self.sentence_models = [arrays(b) for b in spec["sentence"].get("any_of", [])] or [self.sentence]
        self.sentence_features: list[str] = self.sentence["features"]
        pooled = set(POOLED) | {f"{name}_{k}" for name, _b, _c in self.heads for k in POOLED}
        if self.encoder is not None:
            pooled |= {f"enc_{k}" for k in POOLED}
        if self.context is not None:
            pooled |= {f"ctx_{k}" for k in POOLED} | {"ctx_sentence"}
        missing = set(self.sentence_features) - set(FEATURES) - pooled - set(CONTEXT)
        if missing:
            raise ValueError(f"garble model needs unknown features: {sorted(missing)}")
        self.center = np.asarray(spec["center"], np.float32) if "center" in spec else None
        if "off_topic" in self.sentence_features and self.center is None:
            raise ValueError("garble model uses off_topic but has no centre")
        self.span_min: float = spec.get("span_min", 0.5)
        # v2 files: when no token reaches span_min, underline the likeliest one anyway; v3 says "no single place"
        self.span_fallback: bool = spec.get("span_fallback", True)
        # a wire flash of one or two sentences has no article around it: every token is more surprising, so its
        # logit is shifted by an amount fitted on clean calib sentences checked alone (same false-alarm rate)
        self.short_sentences: int = spec.get("short_sentences", 2)
        self.short_shift: float = spec.get("short_shift", 0.0)
        # v3: two knots instead of one shift, so that both operating points hold for short inputs (a single shift
        # that keeps the error point at 1 % would push the warning point far below 5 %)
        self.short_knots: list[tuple[float, float]] = [tuple(k) for k in spec.get("short_knots", [])]
        # 0.3.1: a blatant repeated word puts the sentence at the error point, underlined there
        self.blatant_repeats: bool = spec.get("blatant_repeats", False)
        self.identify(spec, sha256, "garble-tagger")

    def layer_features(self, lm: Any, st: Any, idx: list[int], text: str = "") -> dict[int | None, Any]:
        """A sentence's token inputs once per layer read (None: the final states, `LMOutput.hidden`; k:
        `.layers[k]`), shared by the heads and the context head that read the same layer."""
        return {k: token_features(lm.hidden if k is None else lm.layers[k], st, idx, text, self.extra)
                for k in dict.fromkeys((*self.head_layers, *((self.context_layer,) if self.context else ())))}

    def token_probabilities(self, lm: Any, st: Any, idx: list[int], text: str = "",
                            xs: dict[int | None, Any] | None = None) -> list[Any]:
        """Each head's token probabilities (the first head's first), each from the states of the layer it reads
        (`layer_features`, computed here unless given)."""
        xs = xs if xs is not None else self.layer_features(lm, st, idx, text)
        blocks = [self.token, *(block for _name, block, _cut in self.heads)]
        return [_lr(block, xs[k]) for block, k in zip(blocks, self.head_layers)]

    def context_probabilities(self, xs: list[dict[int | None, Any]]) -> list[tuple[Any, float] | None]:
        """The context head's token probabilities and sentence probability for each sentence (its
        `layer_features`), in one batch; None per sentence when the model has no context head."""
        if self.context is None:
            return [None] * len(xs)
        from checker.garble.context import probabilities  # noqa: PLC0415 - 3.3 files only

        return list(probabilities(self.context, [x[self.context_layer] for x in xs]))

    def score(self, article: ArticleScores) -> list[GarbleVerdict]:
        text, toks, hidden = article.text, article.lm.tokens, article.lm.hidden
        if hidden is None or any(k not in article.lm.layers for k in self.hidden_layers):
            raise ValueError("the token-tagger garble scorer needs the LM's hidden states "
                             f"(final, and layers {list(self.hidden_layers)})")
        sts, index = in_context(text, toks, article.token_index, [s.start for s in article.sentences])
        live = [i for i, st in enumerate(sts) if st.tokens]
        out = [GarbleVerdict(0.0) for _ in sts]
        topic = off_topic(hidden, [index[i] for i in live], self.center) if self.center is not None \
            else [0.0] * len(live)
        short = len(live) <= self.short_sentences
        sents = article.sentences
        enc = self.encoder.probabilities([(sents[i - 1].text if i else "", sents[i].text) for i in live]) \
            if self.encoder is not None else [None] * len(live)
        xs = [self.layer_features(article.lm, sts[i], index[i], text) for i in live]
        ctx = self.context_probabilities(xs)
        for k, (i, row) in enumerate(zip(live, sentence_features([sts[i] for i in live]))):
            seg, st, idx = article.sentences[i], sts[i], index[i]
            ps = self.token_probabilities(article.lm, st, idx, text, xs[k])
            feats = {**row, **pooled_features(ps[0]), "short_input": float(short)}
            for (name, _block, _cut), ph in zip(self.heads, ps[1:]):
                feats.update({f"{name}_{key}": v for key, v in pooled_features(ph).items()})
            if ctx[k] is not None:
                ps.append(ctx[k][0])
                feats.update({f"ctx_{key}": v for key, v in pooled_features(ctx[k][0]).items()})
                feats["ctx_sentence"] = ctx[k][1]
            pieces = None
            if enc[k] is not None:
                ep, eo = enc[k]
                feats.update({f"enc_{key}": v for key, v in pooled_features(ep).items()})
                pieces = (ep, [(seg.start + a, seg.start + b) for a, b in eo])
            if self.center is not None:
                feats["off_topic"] = topic[k]
            x = np.array([[feats[f] for f in self.sentence_features]], dtype=np.float32)
            prob = max(float(_lr(block, x)[0]) for block in self.sentence_models)
            if short and self.short_knots:
                prob = short_calibrated(prob, self.short_knots)
            elif short and self.short_shift:
                prob = 1.0 / (1.0 + math.exp(self.short_shift - math.log(max(prob, 1e-9) / max(1 - prob, 1e-9))))
            spans, conf = self.spans(text, st, ps, seg.start, seg.end, pieces)
            words = ", ".join(f"“{text[a:b]}”" for a, b in spans[:2])
            why = (f"{words} {'reads' if len(spans) == 1 else 'read'} as broken English here" if spans
                   else "the sentence reads as broken English, with no single place to point at")
            if "short_input" not in self.sentence_features:
                del feats["short_input"]
            rep = blatant_repeat(seg.text) if self.blatant_repeats else None
            if rep is not None:
                a, b = seg.start + rep[0], seg.start + rep[1]
                prob = max(prob, self.threshold)
                kept = [(sp, c) for sp, c in zip(spans, conf) if sp[1] <= a or b <= sp[0]][:2]
                spans, conf = [(a, b), *(sp for sp, _c in kept)], [1.0, *(c for _sp, c in kept)]
                order = sorted(range(len(spans)), key=lambda j: spans[j])
                spans, conf = [spans[j] for j in order], [conf[j] for j in order]
                why = f"“{text[a:b]}” says a word twice"
            out[i] = GarbleVerdict(prob, spans, why, feats, conf)
        return out

    def spans(self, text: str, st: Any, ps: list[Any], lo: int, hi: int,
              pieces: tuple[Any, list[tuple[int, int]]] | None = None) -> tuple[list[tuple[int, int]], list[float]]:
        """Runs of LM tokens a head marks (at least its cut: `span_min` for the first) and runs of the break
        tagger's word pieces at least its cut, widened to whole words, each with the highest probability in it
        as its confidence; the three most confident, in text order."""
        p0 = ps[0]
        if not len(p0):
            return [], []
        runs: list[tuple[float, int, int]] = []  # (confidence, start, end) in characters
        cuts = [self.span_min, *(cut for _n, _b, cut in self.heads), self.context_min]  # the context head's last
        for ph, cut in zip(ps, cuts):
            runs += _runs(ph, ph >= cut, [(visible_start(text, t), t.end) for t in st.tokens])
        if pieces is not None and len(pieces[0]):
            runs += _runs(pieces[0], pieces[0] >= self.encoder_min, pieces[1])
        if not runs and self.span_fallback:
            j = int(np.argmax(p0))
            runs = [(float(p0[j]), visible_start(text, st.tokens[j]), st.tokens[j].end)]
        best: dict[tuple[int, int], float] = {}
        for conf, a, b in sorted(runs, reverse=True):
            span = whole_words(text, a, b, lo, hi)
            if span[1] <= span[0] or any(x < span[1] and span[0] < y for x, y in best if (x, y) != span):
                continue  # one underline per place: the most confident run that covers it
            best[span] = max(best.get(span, 0.0), round(conf, 4))
            if len(best) == 3:
                break
        ordered = sorted(best)
        return ordered, [best[sp] for sp in ordered]


def _companion(spec: dict[str, Any], key: str, loader: Any, what: str) -> Any:
    """A weights file a model file names beside it (`spec[key]["file"]`), refused when its sha256 is not the one
    the model was fitted with."""
    part, sha = loader(Path(spec["__dir__"]), spec[key])
    if spec[key].get("sha256") not in (None, sha):
        raise ValueError(f"{spec[key]['file']} is not the {what} this garble model was fitted with")
    return part


def blatant_repeat(sentence: str) -> tuple[int, int] | None:
    """Where a lower-case word or short phrase follows itself ("the the", "as well as well"), as offsets into the
    sentence; None when none does."""
    for m in REPEATED.finditer(sentence):
        said = m.group(2)
        first = said.split(None, 1)[0]
        if said.islower() and said not in GOOD_DOUBLES and not (" " in said and first in ("and", "or")):
            return m.start(), m.end()
    return None


def short_calibrated(prob: float, knots: list[tuple[float, float]]) -> float:
    """A short input's probability mapped through a monotone piecewise-linear map in logit space: each knot
    (x, y) sends the logit where clean sentences checked alone reach an operating point's false-alarm rate (x) to
    the logit of that operating point (y); slope 1 outside the knots."""
    x = math.log(max(prob, 1e-9) / max(1 - prob, 1e-9))
    (x0, y0), (x1, y1) = sorted(knots)[0], sorted(knots)[-1]
    if x <= x0:
        z = x + y0 - x0
    elif x >= x1:
        z = x + y1 - x1
    else:
        z = y0 + (x - x0) * (y1 - y0) / (x1 - x0)
    return 1.0 / (1.0 + math.exp(-z))


def _runs(p: Any, marked: Any, spans: list[tuple[int, int]]) -> list[tuple[float, int, int]]:
    """Maximal runs of marked units as (highest probability, first start, last end)."""
    out, k = [], 0
    while k < len(p):
        if not marked[k]:
            k += 1
            continue
        j = k
        while j + 1 < len(p) and marked[j + 1]:
            j += 1
        out.append((float(p[k:j + 1].max()), spans[k][0], spans[j][1]))
        k = j + 1
    return out
