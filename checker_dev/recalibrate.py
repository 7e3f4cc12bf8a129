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
import math
from pathlib import Path

from checker.garble import load_garble
from checker.metrics import cut_for_false_alarms
from checker_dev import breaks, extract
from checker_dev.garble_eval import rows_for

WARNING_FA, ERROR_FA = 0.05, 0.01
YEARS = ("news2020", "news2021")


def logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    spec = json.loads(args.model.read_text())
    raw = dict(spec, short_knots=[])  # short inputs unmapped, to place the knots
    tmp = args.out.with_suffix(".raw.json")
    tmp.write_text(json.dumps(raw))
    try:
        scorer = load_garble(tmp)
    finally:
        tmp.unlink()
    news = [a for a in extract.selected(["news"]) if a.split == "calib"]
    alone = [a for a in breaks.alone_set("calib", *extract.ALONE["calib"]) if a.key.startswith("alone/clean/")]
    points: dict[str, float] = {}
    knots = []
    for name, rate in (("warning", WARNING_FA), ("threshold", ERROR_FA)):
        cuts, short = [], []
        for year in YEARS:
            clean = [r["score"] for r in rows_for(scorer, [a for a in news if a.domain == year])
                     if r["label"] == "clean"]
            cuts.append(cut_for_false_alarms(clean, rate))
            lone = [r["score"] for r in rows_for(scorer, [a for a in alone if a.domain == year])]
            short.append(cut_for_false_alarms(lone, rate))
            print(f"{name} ({rate:.0%}): {year} {len(clean)} clean segments → {cuts[-1]:.4f}; "
                  f"{len(lone)} alone → {short[-1]:.4f}", flush=True)
        points[name] = round(max(cuts), 4)
        knots.append([round(logit(max(short)), 4), round(logit(points[name]), 4)])
    out = dict(spec, warning=points["warning"], threshold=points["threshold"], short_knots=knots,
               calib={**spec.get("calib", {}), "operating_points": "held in each year's clean calib segments"})
    args.out.write_text(json.dumps(out) + "\n")
    print(f"wrote {args.out}: warning {spec['warning']} → {out['warning']}, error {spec['threshold']} → "
          f"{out['threshold']}, knots {spec.get('short_knots')} → {knots}")


if __name__ == "__main__":
    main()
