"""The held-apart table from scores a GPU run wrote (`train_news.py --eval`), without re-scoring on the CPU.

    python models/nli-minilm/probs_table.py .gpu9 eval-soup.json.gz [--threshold T]

The threshold is chosen on `calib` as `evaluate.py --calibrate` does unless --threshold is given. GPU scores are
fp32 with padding, so a figure can differ from evaluate.py's (CPU, the rule's own batching) in the last finding;
the shipped numbers come from evaluate.py.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from checker_dev.nli_metrics import table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path, help="the folder holding eval.json.gz")
    ap.add_argument("probs", type=Path, help="train_news.py --eval output")
    ap.add_argument("--threshold", type=float, default=None)
    args = ap.parse_args()
    with gzip.open(args.data / "eval.json.gz", "rt", encoding="utf-8") as f:
        ev = json.load(f)
    with gzip.open(args.probs, "rt", encoding="utf-8") as f:
        probs = json.load(f)
    print(json.dumps(table(ev, probs, args.threshold), indent=1))


if __name__ == "__main__":
    main()
