"""Fit the garble logistic model on TED MQM sentence labels; write garble-lr.json and metrics.

    python models/garble/fit.py            # reuse cached TED features (ted_features.jsonl)
    python models/garble/fit.py --rescore  # rescore the TED sample with the LM first (~10 min, 2 cores)

Held-out evaluation is by talk: talks in HELDOUT never train the model.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from checker.devdata import talk_of  # noqa: E402
from checker.evaluate import write_ted_cache  # noqa: E402
from checker.features import FEATURES  # noqa: E402

CACHE = HERE / "ted_features.jsonl"
HELDOUT = {"talk.7"}
USE = list(FEATURES)


def rescore(max_segments: int) -> None:
    from checker.lm import LanguageModel

    write_ted_cache(LanguageModel(), CACHE, max_segments)


def load() -> list[dict]:
    return [json.loads(line) for line in CACHE.read_text().splitlines()]


def xy(rows: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    rows = [r for r in rows if r["label"] in ("garbled", "clean")]
    return np.array([[r[f] for f in USE] for r in rows]), np.array([r["label"] == "garbled" for r in rows])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rescore", action="store_true")
    ap.add_argument("--max-segments", type=int, default=1000)
    args = ap.parse_args()
    if args.rescore or not CACHE.exists():
        rescore(args.max_segments)
    rows = load()
    train = [r for r in rows if talk_of(r["doc"]) not in HELDOUT]
    held = [r for r in rows if talk_of(r["doc"]) in HELDOUT]
    xtr, ytr = xy(train)
    xho, yho = xy(held)
    mean, scale = xtr.mean(0), xtr.std(0) + 1e-6
    clf = LogisticRegression(C=0.5, class_weight="balanced", max_iter=1000)
    clf.fit((xtr - mean) / scale, ytr)
    p_ho = clf.predict_proba((xho - mean) / scale)[:, 1]
    p_tr = clf.predict_proba((xtr - mean) / scale)[:, 1]
    per_feature = {f: round(float(roc_auc_score(ytr, xtr[:, i])), 3) for i, f in enumerate(USE)}
    metrics = {
        "ted_train": {"n": int(len(ytr)), "garbled": int(ytr.sum()), "auroc": round(float(roc_auc_score(ytr, p_tr)), 3),
                      "ap": round(float(average_precision_score(ytr, p_tr)), 3)},
        "ted_heldout": {"talks": sorted(HELDOUT), "n": int(len(yho)), "garbled": int(yho.sum()),
                        "auroc": round(float(roc_auc_score(yho, p_ho)), 3),
                        "ap": round(float(average_precision_score(yho, p_ho)), 3)},
        "single_feature_auroc_train": per_feature,
    }
    spec = {"name": "garble-lr", "version": "1", "features": USE, "mean": mean.round(5).tolist(),
            "scale": scale.round(5).tolist(), "coef": clf.coef_[0].round(5).tolist(),
            "intercept": round(float(clf.intercept_[0]), 5), "threshold": 0.5, "warning": 0.35,
            "metrics": metrics}
    out = HERE / "garble-lr.json"
    if out.exists():  # keep hand-set operating points
        old = json.loads(out.read_text())
        spec["threshold"], spec["warning"] = old.get("threshold", 0.5), old.get("warning", 0.35)
    out.write_text(json.dumps(spec, indent=2) + "\n")
    print(json.dumps(metrics, indent=2))


if __name__ == "__main__":
    main()
