"""Evaluate (and calibrate) the shipped NLI model as the contradiction rule uses it, on held-apart news.

    python models/nli-minilm/evaluate.py              # the whole table (~10 min on 2 cores)
    python models/nli-minilm/evaluate.py --calibrate  # also store the threshold (set on `calib`) in metrics.json
    python models/nli-minilm/evaluate.py --weights W  # another weights file (e.g. the previous model)
    python models/nli-minilm/evaluate.py --weights W --calibrate  # its own calib threshold (metrics.json untouched)
    python models/nli-minilm/evaluate.py --dtype fp32 # force a compute dtype (default: bf16 on a bf16 CPU)

The sets come from checker_dev/newsnli.py (rebuilt from ../shared, nothing cached):
- MQM news `calib` articles choose the threshold: the lowest with at most one `contradiction` finding per 50
  articles; MQM news `dev` articles report the false alarms at it (all translations of a source document are in
  one split only);
- generated flips of `dev` sentences (negation, antonym, number, entity, date, quantifier, verb antonym): recall at
  it;
- SummEdits news: AUROC of edited (inconsistent) vs consistent summaries, a summary scored by its highest
  P(contradiction) against the document sentences that share most words with it;
- TaxiNLI's MultiNLI-dev part (3-way accuracy) and ConjNLI dev.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent))

from checker.nli import CONTRADICTION, NLIModel  # noqa: E402
from checker_dev.nli_metrics import table  # noqa: E402


def eval_sets() -> dict:
    from news_data import article_pairs, dev_flips, summedits_pairs

    from checker_dev import newsnli

    flips = dev_flips(7, 6)
    calib, n_calib = article_pairs("calib")
    dev, n_dev = article_pairs("dev")
    summ, summ_labels = summedits_pairs()
    return {"taxinli_dev": [[r["p"], r["h"], r["y"]] for r in newsnli.taxinli("dev")],
            "conj_dev": [[r["p"], r["h"], r["y"]] for r in newsnli.conjnli("dev")],
            "flips_dev": [[r["p"], r["h"], r["src"].removeprefix("flip-")] for r in flips],
            "calib_pairs": calib, "calib_articles": n_calib, "dev_pairs": dev, "dev_articles": n_dev,
            "summedits_pairs": summ, "summedits_inconsistent": summ_labels}


def score(nli: NLIModel, ev: dict) -> dict:
    """P(contradiction) both ways for pair sets; argmax labels for the 3-way sets."""
    out: dict = {}
    for key in ("calib_pairs", "dev_pairs", "summedits_pairs", "flips_dev"):
        pairs = [(r[1], r[2]) if key != "flips_dev" else (r[0], r[1]) for r in ev[key]]
        fwd = nli.predict(pairs)
        bwd = nli.predict([(h, p) for p, h in pairs])
        out[key] = [[a[CONTRADICTION], b[CONTRADICTION]] for a, b in zip(fwd, bwd)]
    for key in ("taxinli_dev", "conj_dev"):
        out[key] = [max(range(3), key=p.__getitem__) for p in nli.predict([(r[0], r[1]) for r in ev[key]])]
    return out


def load(weights: Path | None, dtype: str | None = None) -> NLIModel:
    import torch

    chosen = {"fp32": torch.float32, "bf16": torch.bfloat16}.get(dtype or "")
    if weights is None:
        return NLIModel(dtype=chosen)
    folder = Path(tempfile.mkdtemp())
    shutil.copy(weights, folder / "model.safetensors")
    shutil.copy(HERE / "config.json", folder / "config.json")
    (folder / "metrics.json").write_text("{}")
    return NLIModel(folder, dtype=chosen)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calibrate", action="store_true", help="store the calib-set threshold in metrics.json")
    ap.add_argument("--weights", type=Path, default=None, help="evaluate this model.safetensors instead")
    ap.add_argument("--threshold", type=float, default=None, help="report at this threshold instead")
    ap.add_argument("--dtype", choices=["fp32", "bf16"], default=None,
                    help="compute dtype (default: as checker chooses for this CPU)")
    args = ap.parse_args()
    nli = load(args.weights, args.dtype)
    print(f"NLI compute dtype: {nli.dtype}", file=sys.stderr)
    ev = eval_sets()
    result = table(ev, score(nli, ev), None if args.calibrate else args.threshold or nli.threshold)
    print(json.dumps(result, indent=1))
    if args.calibrate and args.weights is None:  # another weights file: the calib threshold is reported only
        card = json.loads((HERE / "metrics.json").read_text())
        card["contradiction_threshold"] = result["threshold"]
        card["news_eval"] = result
        (HERE / "metrics.json").write_text(json.dumps(card, indent=2) + "\n")


if __name__ == "__main__":
    main()
