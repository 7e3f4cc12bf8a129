"""Fit the garble model on TED MQM; write garble-lr.json (weights, operating points, dev metrics).

    python models/garble/fit.py            # reuse cached LM token scores (ted_tokens.jsonl, synthetic_tokens.jsonl)
    python models/garble/fit.py --rescore  # rescore both TED samples with the LM first (~15 min on 2 cores)

Training data, all from TED MQM zh→en (Apache-2.0):
  * real labels: 'garbled' (a Major fluency/awkward error or a non-translation) vs 'clean' (no error),
    from every talk except the held-out one (HELDOUT);
  * synthetic garbles: segments of the human reference translation with an MT-style corruption
    (wrong verb form, swapped/dropped/stray word), scored in their talk's context, against the
    untouched segments of the same talks.
TED's real labels alone carry little surprisal signal (a "Major" error is often one awkward phrase in a
long, fluent segment), so the synthetic garbles teach the shape of broken English.
The model is monotone: every feature is a measure of surprise, so coefficients are constrained to be >= 0.
Operating points: the error threshold is where 5 % of clean training segments would be flagged,
the warning threshold where 25 % would (chosen among 10-25 % after looking at the seed, so
the seed checks the ranking honestly but not that operating point). The seed article is never used here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from sklearn.metrics import average_precision_score, roc_auc_score

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from checker.modelstore import lm_record  # noqa: E402
from checker_dev.devdata import talk_of  # noqa: E402
from checker_dev.ted import SYNTH_CACHE as SYNTH  # noqa: E402
from checker_dev.ted import TED_CACHE as TED  # noqa: E402
from checker_dev.ted import feature_rows  # noqa: E402

HELDOUT = {"talk.7"}
USE = ["mean", "neg_slor", "max3_adj", "max5_adj", "max_adj", "max3_excess", "z_mean", "z_slor"]
ERROR_FPR, WARNING_FPR = 0.05, 0.25


def fit_monotone(x: np.ndarray, y: np.ndarray, l2: float = 1.0) -> tuple[np.ndarray, float]:
    """Class-balanced L2 logistic regression with non-negative coefficients (L-BFGS-B)."""
    sw = np.where(y, len(y) / (2 * y.sum()), len(y) / (2 * (~y).sum()))

    def loss(p: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = p[:-1], p[-1]
        z = x @ w + b
        val = np.sum(sw * (np.logaddexp(0, z) - y * z)) + 0.5 * l2 * w @ w
        r = sw * (1 / (1 + np.exp(-z)) - y)
        return val, np.append(x.T @ r + l2 * w, r.sum())

    bounds = [(0, None)] * x.shape[1] + [(None, None)]
    res = minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B", bounds=bounds)
    return res.x[:-1], float(res.x[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rescore", action="store_true")
    args = ap.parse_args()
    if args.rescore or not TED.exists() or not SYNTH.exists():
        from checker.lm import LanguageModel
        from checker_dev.devdata import synthetic_docs, ted_docs
        from checker_dev.ted import score_docs

        lm = LanguageModel()
        score_docs(lm, ted_docs(), TED)
        score_docs(lm, synthetic_docs(), SYNTH)
    ted, synth = feature_rows(TED), feature_rows(SYNTH)
    train = [r for r in ted if talk_of(r["doc"]) not in HELDOUT and r["label"] in ("garbled", "clean")]
    train += [r for r in synth if talk_of(r["doc"]) not in HELDOUT and r["label"] != "garbled"]
    held = [r for r in ted if talk_of(r["doc"]) in HELDOUT and r["label"] in ("garbled", "clean")]
    pos = {"garbled", "synthetic"}
    x = np.array([[r[f] for f in USE] for r in train])
    y = np.array([r["label"] in pos for r in train])
    mean, scale = x.mean(0), x.std(0) + 1e-6
    w, b = fit_monotone((x - mean) / scale, y)

    def prob(rows: list[dict]) -> np.ndarray:
        z = ((np.array([[r[f] for f in USE] for r in rows]) - mean) / scale) @ w + b
        return 1 / (1 + np.exp(-z))

    p_train = prob(train)
    clean_scores = np.sort(p_train[~y])
    threshold = float(np.quantile(clean_scores, 1 - ERROR_FPR))
    warning = float(np.quantile(clean_scores, 1 - WARNING_FPR))

    def metrics(rows: list[dict], positive: set[str]) -> dict:
        yy = np.array([r["label"] in positive for r in rows])
        pp = prob(rows)
        return {"n": len(rows), "positives": int(yy.sum()), "auroc": round(float(roc_auc_score(yy, pp)), 3),
                "ap": round(float(average_precision_score(yy, pp)), 3),
                "recall_at_threshold": round(float((pp[yy] >= threshold).mean()), 3),
                "false_alarm_rate_at_threshold": round(float((pp[~yy] >= threshold).mean()), 3)}

    real_train = [r for r in train if r["label"] in ("garbled", "clean") and not r["doc"].startswith("synthetic")]
    synth_train = [r for r in train if r["doc"].startswith("synthetic")]
    report = {
        "ted_heldout_real": {"talks": sorted(HELDOUT), **metrics(held, {"garbled"})},
        "ted_train_real": metrics(real_train, {"garbled"}),
        "ted_train_synthetic": metrics(synth_train, {"synthetic"}),
        "single_feature_auroc_train": {f: round(float(roc_auc_score(y, x[:, i])), 3) for i, f in enumerate(USE)},
    }
    spec = {"name": "garble-lr", "version": "1", "lm": lm_record(), "features": USE, "mean": mean.round(5).tolist(),
            "scale": scale.round(5).tolist(), "coef": w.round(5).tolist(), "intercept": round(b, 5),
            "threshold": round(threshold, 4), "warning": round(warning, 4), "metrics": report}
    (HERE / "garble-lr.json").write_text(json.dumps(spec, indent=2) + "\n")
    print(json.dumps({k: spec[k] for k in ("features", "coef", "intercept", "threshold", "warning")}))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
