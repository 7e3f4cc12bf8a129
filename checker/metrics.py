"""Ranking metrics without scikit-learn (not a run-time dependency): AUROC, AP, length-stratified AUROC,
recall at a false-alarm rate, and the score cut that gives a wanted false-alarm rate."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def auroc(labels: Sequence[bool], scores: Sequence[float]) -> float:
    """Probability that a random positive outranks a random negative (ties count half)."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=float)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if not n_pos or not n_neg:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    sorted_s = s[order]
    i = 0
    while i < len(s):  # average ranks over ties
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def average_precision(labels: Sequence[bool], scores: Sequence[float]) -> float:
    """Mean precision at each positive, ranked by score (as scikit-learn's average_precision_score)."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=float)
    if not y.any():
        return float("nan")
    order = np.argsort(-s, kind="mergesort")
    y, s = y[order], s[order]
    # precision/recall at each distinct threshold
    distinct = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tp = np.cumsum(y)[distinct]
    fp = (distinct + 1) - tp
    precision = tp / (tp + fp)
    recall = tp / y.sum()
    prev = np.r_[0.0, recall[:-1]]
    return float(np.sum((recall - prev) * precision))


def stratified_auroc(labels: Sequence[bool], scores: Sequence[float], strata: Sequence[float],
                     bins: int = 5) -> float:
    """AUROC over pairs compared only within the same quantile bin of `strata` (e.g. word count):
    what a score knows beyond sentence length."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=float)
    k = np.asarray(strata, dtype=float)
    edges = np.unique(np.quantile(k, np.linspace(0, 1, bins + 1)[1:-1]))
    group = np.searchsorted(edges, k, side="right")
    num = den = 0.0
    for g in np.unique(group):
        m = group == g
        n_pos, n_neg = int(y[m].sum()), int((~y[m]).sum())
        if n_pos and n_neg:
            num += auroc(y[m], s[m]) * n_pos * n_neg
            den += n_pos * n_neg
    return num / den if den else float("nan")


def cut_for_false_alarms(clean_scores: Sequence[float], rate: float) -> float:
    """The lowest score cut at which at most `rate` of the clean scores are at or above it."""
    s = np.sort(np.asarray(clean_scores, dtype=float))[::-1]
    if not len(s):
        return float("nan")
    allowed = int(np.floor(rate * len(s)))
    if allowed >= len(s):
        return float(s[-1])
    return float(np.nextafter(s[allowed], np.inf))


def recall_at_false_alarms(labels: Sequence[bool], scores: Sequence[float], rate: float) -> float:
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=float)
    if not y.any() or y.all():
        return float("nan")
    cut = cut_for_false_alarms(s[~y], rate)
    return float((s[y] >= cut).mean())


def rates_at(labels: Sequence[bool], scores: Sequence[float], cut: float) -> tuple[float, float]:
    """(recall, false-alarm rate) of flagging scores at or above `cut`."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=float)
    rec = float((s[y] >= cut).mean()) if y.any() else float("nan")
    fa = float((s[~y] >= cut).mean()) if (~y).any() else float("nan")
    return rec, fa
