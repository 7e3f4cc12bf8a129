"""Which LM layer a linear break probe reads best: one token head per layer, fitted on generated breaks checked
alone in `train` documents, scored on those of `calib` (the worst token's probability, broken vs clean, per kind).
Chose garble 3.2's break-head layer (`models/garble/MODEL_CARD.md`); never reads `dev`.

    python -m checker_dev.extract --sets alone --layers 7 10     # the layers' states (cached)
    python -m checker_dev.layer_probe --layers 0 7 10            # 0: the final states
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from checker.garble.tagger import _lr, arrays
from checker.metrics import auroc
from checker_dev import breaks, extract

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "models" / "garble"))
import train_tagger


def sentences(split: str, layer: int | None) -> list:
    clean, per_kind = extract.ALONE[split]
    out = []
    for a in breaks.alone_set(split, clean, per_kind):
        f = extract.load(a.text, (layer,) if layer else ())
        if f is not None:
            out += train_tagger.article_sentences(a, f, None, layer)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layers", type=int, nargs="+", default=[0, 7, 10])
    args = ap.parse_args()
    cols: dict[int, dict[str, float]] = {}
    for layer in args.layers:
        read = layer or None
        train, calib = sentences("train", read), sentences("calib", read)
        x = np.concatenate([train_tagger.inputs(s, read)[s.y_tok >= 0] for s in train])
        y = np.concatenate([s.y_tok[s.y_tok >= 0] for s in train])
        head = arrays(train_tagger.fit_lr(x, y, 10.0))
        worst = {id(s): float(_lr(head, train_tagger.inputs(s, read).astype(np.float32)).max()) for s in calib}
        clean = [s for s in calib if s.label == "clean"]
        kinds = sorted({s.kind for s in calib if s.label == "garbled"})
        cols[layer] = {}
        for k in kinds:
            broken = [s for s in calib if s.kind == k]
            cols[layer][k] = auroc([True] * len(broken) + [False] * len(clean), [worst[id(s)] for s in broken + clean])
        cols[layer]["mean"] = float(np.mean([cols[layer][k] for k in kinds]))
        print(f"layer {layer or 'final'}: {len(train)} train / {len(calib)} calib sentences", flush=True)
    names = list(next(iter(cols.values())))
    print(f"{'calib AUROC (broken vs clean, alone)':<40}" + "".join(f"{k or 'final'!s:>8}" for k in cols))
    for n in names:
        print(f"{n:<40}" + "".join(f"{cols[k][n]:8.3f}" for k in cols))


if __name__ == "__main__":
    main()
