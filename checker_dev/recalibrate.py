"""A garble model file's operating points set again on `calib`, held in each year's clean segments rather than
pooled: the warning point lets through at most 5 % and the error point 1 % of the clean MQM segments of 2020 *and*
of 2021 (in their articles), and the short-input knots do the same for each year's clean sentences checked alone.
Pooled, a point can hide one year (3.2 let through 1 % of 2020's clean calib segments and 10 % of 2021's), and a
newsroom's copy need not mix the years as calib does. Reads `calib` only.

    python -m checker_dev.recalibrate models/garble/garble-tagger-3.2.json --out F
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from checker.garble import load_garble
from checker.metrics import cut_for_false_alarms
from checker_dev import breaks, extract
from checker_dev.garble_eval import rows_for

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "models" / "garble"))
from train_tagger import ERROR_FA, WARNING_FA, logit  # the recipe's rates and logit, not a copy

YEARS = ("news2020", "news2021")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    spec = json.loads(args.model.read_text())
    scorer = load_garble(args.model)
    scorer.short_knots = []  # short inputs unmapped, to place the knots
    news = [a for a in extract.selected(["news"]) if a.split == "calib"]
    alone = [a for a in breaks.alone_set("calib", *extract.ALONE["calib"]) if a.key.startswith("alone/clean/")]
    clean = {y: [r["score"] for r in rows_for(scorer, [a for a in news if a.domain == y]) if r["label"] == "clean"]
             for y in YEARS}
    lone = {y: [r["score"] for r in rows_for(scorer, [a for a in alone if a.domain == y])] for y in YEARS}
    points: dict[str, float] = {}
    knots = []
    for name, rate in (("warning", WARNING_FA), ("threshold", ERROR_FA)):
        cuts, short = [], []
        for year in YEARS:
            cuts.append(cut_for_false_alarms(clean[year], rate))
            short.append(cut_for_false_alarms(lone[year], rate))
            print(f"{name} ({rate:.0%}): {year} {len(clean[year])} clean segments → {cuts[-1]:.4f}; "
                  f"{len(lone[year])} alone → {short[-1]:.4f}", flush=True)
        points[name] = round(max(cuts), 4)
        knots.append([round(logit(max(short)), 4), round(logit(points[name]), 4)])
    out = dict(spec, warning=points["warning"], threshold=points["threshold"], short_knots=knots,
               calib={**spec.get("calib", {}), "operating_points": "held in each year's clean calib segments"})
    args.out.write_text(json.dumps(out) + "\n")
    print(f"wrote {args.out}: warning {spec['warning']} → {out['warning']}, error {spec['threshold']} → "
          f"{out['threshold']}, knots {spec.get('short_knots')} → {knots}")


if __name__ == "__main__":
    main()
