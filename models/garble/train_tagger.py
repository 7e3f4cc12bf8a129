"""Garble detector v2: a token tagger over frozen Gemma hidden states + surprisal, pooled into a sentence score.

    python -m checker_dev.extract                  # LM features of the MQM/bio/TED articles (cached, resumable)
    python models/garble/train_tagger.py           # fit on news train, thresholds on news calib, table on dev

Labels (checker_dev/garbledata.py): tokens inside a Major fluency / non-translation span are positives, Minor
fluency spans masked, every other token negative; sentences of garbled and clean segments train the pooling. The token
model is a logistic regression (L2, balanced classes); the sentence model a logistic regression over the pooled
token probabilities and the article-level surprisal features, fitted on out-of-fold token probabilities (two
folds by document) so it never sees the token model's in-sample confidence. A segment's score is the highest of
its sentences'. Operating points: error at ≤ 3 % and warning at ≤ 10 % false alarms on clean *calib* segments.
Everything reported is on *dev* documents, which no choice looked at.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from checker.features import FEATURES, assign_tokens, sentence_features  # noqa: E402
from checker.garble import POOLED, in_context, off_topic, pooled_features, token_features  # noqa: E402
from checker.metrics import cut_for_false_alarms  # noqa: E402
from checker.modelstore import lm_record  # noqa: E402
from checker.segment import segment  # noqa: E402
from checker.tokens import TokenScore  # noqa: E402
from checker_dev import extract, garbledata  # noqa: E402

SENTENCE_FEATURES = [*POOLED, *FEATURES]
OUT = HERE / "garble-tagger.json"


@dataclass
class Sentence:
    article: str
    split: str
    domain: str
    seg: int  # index of the MQM segment in the article
    x_tok: np.ndarray  # token features
    y_tok: np.ndarray  # 1 positive, 0 negative, -1 masked
    legacy: dict[str, float]
    words: int
    tok_spans: list[tuple[int, int]]
    major: list[tuple[int, int]]
    start: int
    end: int


def article_sentences(a: garbledata.Article, feats: dict[str, np.ndarray], center: np.ndarray | None = None
                      ) -> list[Sentence]:
    toks = [TokenScore(int(s), int(e), float(v)) for s, e, v in zip(feats["start"], feats["end"], feats["surprisal"])]
    prose = [s for s in segment(a.text) if s.kind == "sentence"]
    if not prose or not toks:
        return []
    sts, index = in_context(a.text, toks, assign_tokens(a.text, toks, [(s.start, s.end) for s in prose]),
                            [s.start for s in prose])
    live = [i for i, st in enumerate(sts) if st.tokens]
    rows = sentence_features([sts[i] for i in live])
    if center is not None:
        for row, v in zip(rows, off_topic(feats["hidden"], [index[i] for i in live], center)):
            row["off_topic"] = v
    seg_starts = [g.start for g in a.segments]
    out = []
    for i, row in zip(live, rows):
        s, st, idx = prose[i], sts[i], index[i]
        k = int(np.searchsorted(seg_starts, s.start, side="right") - 1)
        g = a.segments[k]
        y = np.zeros(len(idx), dtype=np.int8)
        for j, t in enumerate(st.tokens):
            if any(t.start < b and a_ < t.end for a_, b in g.major):
                y[j] = 1
            elif any(t.start < b and a_ < t.end for a_, b in g.minor):
                y[j] = -1
        out.append(Sentence(a.key, a.split, a.domain, k, token_features(feats["hidden"], st, idx), y, row,
                            len(s.text.split()), [(t.start, t.end) for t in st.tokens], g.major, s.start, s.end))
    return out


def corpus_center(n: int = 100) -> np.ndarray:
    """The mean final LM state over the tokens of the first `n` news train articles (by key): the fixed centre
    the off-topic feature measures from."""
    total, count = None, 0
    for a in sorted((a for a in extract.selected(["news"]) if a.split == "train"), key=lambda a: a.key)[:n]:
        f = extract.load(a.text)
        if f is None:
            continue
        h = f["hidden"].astype(np.float64)
        total = h.sum(0) if total is None else total + h.sum(0)
        count += len(h)
    return (total / max(count, 1)).astype(np.float32)


def load_all(sets: list[str], all_train: bool, center: np.ndarray | None = None
             ) -> tuple[list[Sentence], dict[str, garbledata.Article]]:
    sentences: list[Sentence] = []
    arts: dict[str, garbledata.Article] = {}
    for a in extract.selected(sets, all_train):
        f = extract.load(a.text)
        if f is None:
            continue
        arts[a.key] = a
        sentences += article_sentences(a, f, center)
    return sentences, arts


def fit_lr(x: np.ndarray, y: np.ndarray, l2: float, balanced: bool = True, iters: int = 200) -> dict:
    """L2 logistic regression by full-batch L-BFGS on standardised inputs (torch, CPU)."""
    import torch

    mean = x.mean(0)
    scale = x.std(0) + 1e-6
    xt = torch.from_numpy(((x - mean) / scale).astype(np.float32))
    yt = torch.from_numpy(y.astype(np.float32))
    pos = float(y.mean())
    w = torch.where(yt > 0, 0.5 / max(pos, 1e-6), 0.5 / max(1 - pos, 1e-6)) if balanced else torch.ones_like(yt)
    coef = torch.zeros(x.shape[1], requires_grad=True)
    bias = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([coef, bias], lr=1, max_iter=iters, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        z = xt @ coef + bias
        loss = (torch.nn.functional.binary_cross_entropy_with_logits(z, yt, weight=w) * 1.0
                + l2 * (coef ** 2).sum() / len(yt))
        loss.backward()
        return loss

    opt.step(closure)
    return {"mean": mean.tolist(), "scale": scale.tolist(), "coef": coef.detach().numpy().tolist(),
            "intercept": float(bias.item())}


def fit_mlp(x: np.ndarray, y: np.ndarray, hidden: int, weight_decay: float, epochs: int = 4, seed: int = 0) -> dict:
    """One hidden layer (ReLU), balanced BCE, Adam; the same inference as checker.garble._lr with `w1`."""
    import torch

    torch.manual_seed(seed)
    mean = x.mean(0)
    scale = x.std(0) + 1e-6
    xt = torch.from_numpy(((x - mean) / scale).astype(np.float32))
    yt = torch.from_numpy(y.astype(np.float32))
    pos = float(y.mean())
    net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1))
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=weight_decay)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for b in torch.randperm(len(yt), generator=gen).split(512):
            w = torch.where(yt[b] > 0, 0.5 / pos, 0.5 / (1 - pos))
            loss = torch.nn.functional.binary_cross_entropy_with_logits(net(xt[b])[:, 0], yt[b], weight=w)
            opt.zero_grad()
            loss.backward()
            opt.step()
    l1, l2 = net[0], net[2]
    return {"mean": mean.tolist(), "scale": scale.tolist(),
            "w1": np.round(l1.weight.detach().numpy().T, 5).tolist(),
            "b1": np.round(l1.bias.detach().numpy(), 5).tolist(),
            "coef": np.round(l2.weight.detach().numpy()[0], 5).tolist(), "intercept": float(l2.bias.item())}


def predict(block: dict, x: np.ndarray) -> np.ndarray:
    from checker.garble.tagger import _lr, arrays

    return _lr(arrays(block), x.astype(np.float32))


def token_xy(sents: list[Sentence]) -> tuple[np.ndarray, np.ndarray]:
    """Every token of every segment: Major fluency spans positive, Minor ones masked, the rest negative (a
    segment with only accuracy or minor errors still has fluent tokens)."""
    xs, ys = [], []
    for s in sents:
        keep = s.y_tok >= 0
        xs.append(s.x_tok[keep])
        ys.append(s.y_tok[keep])
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.int8)


def sentence_matrix(sents: list[Sentence], token_model: dict, features: list[str] = SENTENCE_FEATURES
                    ) -> tuple[np.ndarray, list[np.ndarray]]:
    rows, probs = [], []
    for s in sents:
        p = predict(token_model, s.x_tok) if len(s.x_tok) else np.zeros(0)
        probs.append(p)
        feats = {**s.legacy, **pooled_features(p)}
        rows.append([feats[f] for f in features])
    return np.array(rows, dtype=np.float64), probs


def short_shift(spec: dict, n: int) -> float:
    """The logit shift for one- and two-sentence inputs that gives clean calib segments checked alone the same
    false-alarm rate at the error threshold (3 %) as inside their articles."""
    import math
    import random

    from checker.engine import Engine
    from checker.garble import TokenTaggerScorer
    from checker.ingest import Document
    from checker.models import Models

    scorer = TokenTaggerScorer({**spec, "short_shift": 0.0}, "")
    engine = Engine(Models(garble=scorer))
    calib = [a for a in extract.selected(["news"]) if a.split == "calib"]
    pool = [a.text[g.start:g.end] for a in calib for g in a.segments if g.label == "clean"]
    scores = []
    for text in random.Random(3).sample(pool, min(n, len(pool))):
        prose = [s.garble for s in engine.check(Document(text, "alone.txt", "0" * 64)).sentences
                 if s.kind == "sentence"]
        if prose and len(prose) <= scorer.short_sentences:
            scores.append(max(prose))
    cut = cut_for_false_alarms(scores, 0.03)
    logit = lambda p: math.log(max(p, 1e-9) / max(1 - p, 1e-9))  # noqa: E731
    shift = max(0.0, logit(min(cut, 1 - 1e-6)) - logit(spec["threshold"]))
    print(f"short inputs: {len(scores)} clean calib segments alone; logit shift {shift:.3f}", flush=True)
    return round(shift, 4)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--l2-token", type=float, default=10.0)
    ap.add_argument("--l2-sentence", type=float, default=1.0)
    ap.add_argument("--mlp", type=int, default=0, help="hidden units of an MLP token tagger (0: logistic)")
    ap.add_argument("--all-train", action="store_true",
                    help="train on every news train translation (extract with --all-train first)")
    ap.add_argument("--short", type=int, default=200,
                    help="clean calib segments checked alone to fit the short-input shift (runs the LM; 0: none)")
    ap.add_argument("--topic", action="store_true", help="add the off-topic feature to the sentence model")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()

    center = corpus_center() if args.topic else None
    features = SENTENCE_FEATURES + (["off_topic"] if args.topic else [])
    sents, arts = load_all(["news"], args.all_train, center)
    labels = {(k, i): g.label for k, a in arts.items() for i, g in enumerate(a.segments)}
    train = [s for s in sents if s.split == "train"]
    print(f"{len(arts)} news articles with features; {len(sents)} sentences, {len(train)} in train", flush=True)

    # token model; out-of-fold token probabilities for the sentence model (two folds by document)
    def doc(s: Sentence) -> str:
        return s.article.rsplit("/", 1)[-1]

    fold = {d: int(hashlib.sha1(d.encode()).hexdigest(), 16) % 2 for d in {doc(s) for s in train}}
    oof_rows = []
    oof_y = []
    for f in (0, 1):
        fit_on = [s for s in train if fold[doc(s)] != f]
        held = [s for s in train if fold[doc(s)] == f and labels[(s.article, s.seg)] in ("garbled", "clean")]
        x, y = token_xy(fit_on)
        tm = fit_mlp(x, y, args.mlp, 0.01) if args.mlp else fit_lr(x, y, args.l2_token)
        rows, _ = sentence_matrix(held, tm, features)
        oof_rows.append(rows)
        oof_y += [labels[(s.article, s.seg)] == "garbled" for s in held]
    x, y = token_xy(train)
    print(f"token model: {len(y)} tokens, {int(y.sum())} positive", flush=True)
    token_model = fit_mlp(x, y, args.mlp, 0.01) if args.mlp else fit_lr(x, y, args.l2_token)
    sentence_model = fit_lr(np.concatenate(oof_rows), np.array(oof_y, dtype=np.int8), args.l2_sentence)
    sentence_model["features"] = features

    # operating points on clean calib segments (segment score = its highest sentence)
    calib = [s for s in sents if s.split == "calib"]
    rows, _ = sentence_matrix(calib, token_model, features)
    p = predict(sentence_model, rows)
    seg_score: dict[tuple[str, int], float] = defaultdict(float)
    for s, v in zip(calib, p):
        seg_score[(s.article, s.seg)] = max(seg_score[(s.article, s.seg)], float(v))
    clean = [v for k, v in seg_score.items() if labels[k] == "clean"]
    spec = {"class": "token-tagger", "name": "garble-tagger", "version": "2", "lm": lm_record(),
            "threshold": round(cut_for_false_alarms(clean, 0.03), 4),
            "warning": round(cut_for_false_alarms(clean, 0.10), 4), "span_min": 0.5,
            "token": token_model,
            **({"center": np.round(center, 4).tolist()} if center is not None else {}),
            "sentence": sentence_model,
            "data": {"train_articles": len({s.article for s in train}), "train_tokens": int(len(y)),
                     "positive_tokens": int(y.sum()), "calib_clean_segments": len(clean)}}
    if args.short:
        spec["short_shift"] = short_shift(spec, args.short)
    args.out.write_text(json.dumps(spec) + "\n")
    print(f"wrote {args.out}: error ≥ {spec['threshold']}, warning ≥ {spec['warning']} (calib clean: {len(clean)})")


if __name__ == "__main__":
    main()
