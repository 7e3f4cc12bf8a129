"""Would int8 dynamic quantisation make the fp32 LM path fast enough, and keep its scores? A probe, not a path.

Issue #14 asked for an fp32-CPU LM path at least 2x faster, e.g. int8 dynamic quantisation of the linear layers
and the 262k-way output layer, with scores within a stated tolerance. This runs the seed's LM pass three ways on
this CPU: fp32 (what an fp32-only CPU runs), bf16, and fp32 activations through fbgemm's int8 dynamic linear
(weights per output row, activations per tensor, quantised on the fly), and prints the time and how far each
token's surprisal moves from fp32.

    python benchmarks/int8_probe.py [--reduce-range]     # ~1 min on 2 cores
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.cpu import setup_process  # noqa: E402

setup_process()

import checker.gemma as gemma  # noqa: E402
from checker.lm import LanguageModel  # noqa: E402

SLICE = 16384


class Packed:
    """An int8 weight, per output row, packed for fbgemm."""

    def __init__(self, w: torch.Tensor) -> None:
        scale = (w.abs().amax(1) / 127).clamp(min=1e-12).double()
        q = torch.quantize_per_channel(w, scale, torch.zeros(w.shape[0], dtype=torch.long), 0, torch.qint8)
        self.packed = torch.ops.quantized.linear_prepack(q, None)


def int8_lm(reduce_range: bool) -> LanguageModel:
    """The fp32 LM with every linear layer and the output layer through int8 dynamic linear."""
    lm = LanguageModel(dtype=torch.float32)
    plain = F.linear

    def linear(x: torch.Tensor, w, b=None):
        if isinstance(w, Packed):
            return torch.ops.quantized.linear_dynamic(x.contiguous(), w.packed, reduce_range)
        return plain(x, w, b)

    gemma.F.linear = linear  # the probe's own process only
    model = lm.model
    for layer in model.layers:
        for name in ("q", "k", "v", "o", "gate", "up", "down"):
            setattr(layer, name, Packed(getattr(layer, name)))
    vocab = model.embedding.shape[0]
    slices = [(j, Packed(model.embedding[j:j + SLICE])) for j in range(0, vocab, SLICE)]

    def nll(inp: torch.Tensor, target: torch.Tensor, cells: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
        states = model.forward(inp)[0]
        hidden = states[:-1].contiguous()
        n = hidden.shape[0]
        top, total, picked = torch.full((n,), -math.inf), torch.zeros(n), torch.empty(n)
        for j, w in slices:
            logits = torch.ops.quantized.linear_dynamic(hidden, w.packed, reduce_range)
            here = ((target >= j) & (target < j + logits.shape[1])).nonzero()[:, 0]
            if len(here):
                picked[here] = logits[here, target[here] - j]
            new = torch.maximum(top, logits.amax(-1))
            total.mul_((top - new).exp_())
            total.add_(logits.sub_(new[:, None]).exp_().sum(-1))
            top = new
        return top + total.log() - picked, states[1:]

    lm._nll = nll  # type: ignore[method-assign]
    return lm


def timed(lm: LanguageModel, text: str) -> tuple[float, list[float]]:
    lm.score(text)
    best, out = math.inf, []
    for _ in range(3):
        t = time.perf_counter()
        out = [tok.surprisal for tok in lm.score(text).tokens]
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reduce-range", action="store_true", help="7-bit activations (fbgemm's overflow guard)")
    args = ap.parse_args()
    text = (ROOT / "seeds" / "000_a4ddab08513021e3.txt").read_text()
    runs = {}
    for name, make in (("fp32", lambda: LanguageModel(dtype=torch.float32)),
                       ("bf16", lambda: LanguageModel(dtype=torch.bfloat16)),
                       ("int8 dynamic", lambda: int8_lm(args.reduce_range))):
        runs[name] = timed(make(), text)
    base_s, base = runs["fp32"]
    print(f"seed LM pass, {len(base)} tokens, {torch.get_num_threads()} threads")
    for name, (s, scores) in runs.items():
        d = torch.tensor([a - b for a, b in zip(scores, base)]).abs()
        print(f"{name:13s} {s:5.2f} s = {len(base) / s:5.0f} tokens/s ({base_s / s:.2f}x fp32); |surprisal - fp32| "
              f"mean {d.mean():.3f}, p99 {d.quantile(0.99):.3f}, max {d.max():.3f} nats")


if __name__ == "__main__":
    main()
