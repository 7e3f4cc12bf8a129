"""P(contradiction) both ways for a few fixed pairs (the seed's inserted sentence and probes of its kind), per model
folder: a quick look after training, not a metric (nothing is chosen on it).

    python models/nli-minilm/probe.py FOLDER [FOLDER …]
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

MOBILISED = ("Since October, Russia has mobilized more than 100,000 combat troops, equipment and reinforcements along "
             "the Ukrainian border, and more recently in Belarus, which borders Ukraine to the north.")
PROBES = [
    "Russia has withdrawn all of its troops from the Ukrainian border since October.",  # the seed's insertion
    "Since October, Russia has withdrawn more than 100,000 combat troops from the Ukrainian border.",
    "Since October, Russia has demobilized more than 100,000 combat troops along the Ukrainian border.",
    "Since October, Russia has not mobilized any troops along the Ukrainian border.",
    "Russia has no troops near the Ukrainian border.",
    "Since October, Russia has moved more than 100,000 troops to the Ukrainian border.",  # consistent
]


@torch.no_grad()
def main() -> None:
    for folder in map(Path, sys.argv[1:]):
        tok = AutoTokenizer.from_pretrained(folder)
        model = AutoModelForSequenceClassification.from_pretrained(folder, dtype=torch.float32).eval()
        print(folder)
        for h in PROBES:
            enc = tok([MOBILISED, h], [h, MOBILISED], truncation=True, max_length=128, padding=True,
                      return_tensors="pt")
            p = torch.softmax(model(**enc).logits.float(), -1)[:, 2].tolist()
            print(f"  {max(p):.3f}  ({p[0]:.3f} / {p[1]:.3f})  {h}")


if __name__ == "__main__":
    main()
