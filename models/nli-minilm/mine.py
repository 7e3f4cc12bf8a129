"""Mine hard negatives: the pairs the contradiction rule selects in MQM news `train` articles, scored both ways.

Stage 6 learnt from ten random rule pairs per article; the false alarms that remain are the few pairs the model
still reads as contradictions (parallel lists, two items of one kind). Scoring every selected pair of every
`train` article finds those, and stage 8 learns them as "not a contradiction". Only `train` documents are read;
`calib` and `dev` stay apart.

    python models/nli-minilm/mine.py --out .cpu8/mined.jsonl.gz [--weights W] [--dtype bf16]

Resumable: articles already in --out are skipped (one line per pair, flushed per article).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent))

from evaluate import load  # noqa: E402

from checker.nli import CONTRADICTION  # noqa: E402
from checker_dev import newsnli  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--weights", type=Path, default=None, help="score with this model.safetensors (default: shipped)")
    ap.add_argument("--dtype", choices=["fp32", "bf16"], default=None)
    args = ap.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    done: set[tuple[int, str, str]] = set()
    if args.out.exists():
        with gzip.open(args.out, "rt", encoding="utf-8") as f:
            try:
                for line in f:
                    r = json.loads(line)
                    done.add((r["year"], r["system"], r["doc"]))
            except (EOFError, json.JSONDecodeError):  # the tail of an interrupted run
                pass
    nli = load(args.weights, args.dtype)
    arts = [a for a in newsnli.mqm_articles() if a.split == "train" and (a.year, a.system, a.doc) not in done]
    print(f"{len(done)} articles done, {len(arts)} to score ({nli.dtype})", file=sys.stderr)
    t0, n = time.time(), 0
    with gzip.open(args.out, "at", encoding="utf-8") as f:
        for i, a in enumerate(arts):
            pairs = newsnli.rule_pairs(a.text)
            if not pairs:
                f.write(json.dumps({"year": a.year, "system": a.system, "doc": a.doc, "p": None}) + "\n")
                continue
            fwd = nli.predict(pairs)
            bwd = nli.predict([(h, p) for p, h in pairs])
            for (p, h), x, y in zip(pairs, fwd, bwd):
                f.write(json.dumps({"year": a.year, "system": a.system, "doc": a.doc, "p": p, "h": h,
                                    "c": [round(x[CONTRADICTION], 4), round(y[CONTRADICTION], 4)]},
                                   ensure_ascii=False) + "\n")
            f.flush()
            n += len(pairs)
            if i % 50 == 0:
                print(f"{i}/{len(arts)} articles, {n} pairs, {n / (time.time() - t0):.0f} pairs/s", file=sys.stderr)


if __name__ == "__main__":
    main()
