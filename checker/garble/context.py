"""The context head (garble 3.3): a small bidirectional transformer over one sentence's token inputs — a middle
LM layer's states beside the surprisal figures — that gives each token a probability of being where the English
broke, and the sentence one of its own.

The causal LM sees a break only from its left, and a linear head reads each token alone: a dropped subject, a
truncated sentence, "after carefully study" show in how the words after the break sit with it. Two attention
layers of width 128 over the LM's own states read both sides and learn the sentence's verdict end to end
(attention pooling); the whole 3.3 scorer costs 3.5 % of the seed's LM pass (`benchmarks/layer_tap_cost.py`). Fitted by
`models/garble/train_tagger.py` on generated breaks; the model file (`garble-context.safetensors`) holds every
tensor, the input standardisation included.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from checker.modelstore import read_weights, sha256_file

MAX_POSITIONS = 256  # longer sentences share the last position's embedding


class ContextHead(torch.nn.Module):
    """Token and sentence logits for a batch of sentences [batch, time, inputs] (padding marked in `pad`)."""

    def __init__(self, d_in: int, width: int = 128, layers: int = 2, heads: int = 4) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(d_in))
        self.register_buffer("scale", torch.ones(d_in))
        self.inp = torch.nn.Linear(d_in, width)
        self.direct = torch.nn.Linear(d_in, 1)  # a linear head on the token alone, beside the contextual one
        self.pos = torch.nn.Embedding(MAX_POSITIONS, width)
        block = torch.nn.TransformerEncoderLayer(width, heads, 2 * width, dropout=0.1, batch_first=True,
                                                 norm_first=True)
        # every layer starts as a copy of the first, as torch's TransformerEncoder builds its stack
        self.layers = torch.nn.ModuleList([block] + [copy.deepcopy(block) for _ in range(layers - 1)])
        self.token = torch.nn.Linear(width, 1)
        self.attend = torch.nn.Linear(width, 1)
        self.sentence = torch.nn.Linear(width, 1)

    def forward(self, x: torch.Tensor, pad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = (x - self.mean) / self.scale
        positions = torch.arange(x.shape[1], device=x.device).clamp(max=MAX_POSITIONS - 1)
        h = self.inp(x) + self.pos(positions)[None]
        for layer in self.layers:
            h = layer(h, src_key_padding_mask=pad)
        tok = (self.token(h) + self.direct(x))[..., 0]
        weight = torch.softmax(self.attend(h)[..., 0].masked_fill(pad, -1e9), dim=1)
        return tok, self.sentence((weight[..., None] * h).sum(1))[:, 0]

    def config(self) -> dict[str, int]:
        return {"d_in": self.inp.in_features, "width": self.inp.out_features, "layers": len(self.layers),
                "heads": self.layers[0].self_attn.num_heads}


def batch(xs: list[Any]) -> tuple[torch.Tensor, torch.Tensor]:
    """Sentences' token inputs padded to the longest, and the padding mask."""
    n = max((len(x) for x in xs), default=0) or 1
    out = np.zeros((len(xs), n, xs[0].shape[1] if xs else 1), np.float32)
    pad = np.ones((len(xs), n), bool)
    for k, x in enumerate(xs):
        out[k, :len(x)] = x
        pad[k, :len(x)] = False
    return torch.from_numpy(out), torch.from_numpy(pad)


@torch.inference_mode()
def probabilities(head: ContextHead, xs: list[Any], size: int = 32) -> list[tuple[Any, float]]:
    """For each sentence's token inputs: every token's probability and the sentence's."""
    head.eval()
    out: list[tuple[Any, float]] = []
    for i in range(0, len(xs), size):
        chunk = xs[i:i + size]
        x, pad = batch(chunk)
        tok, sent = head(x, pad)
        p, q = torch.sigmoid(tok).numpy(), torch.sigmoid(sent).numpy()
        out += [(p[k, :len(c)].astype(np.float32), float(q[k])) for k, c in enumerate(chunk)]
    return out


def save(head: ContextHead, path: Path) -> None:
    from safetensors.torch import save_file  # noqa: PLC0415

    cfg = head.config()
    save_file({k: v.detach().contiguous() for k, v in head.state_dict().items()}, str(path),
              metadata={k: str(v) for k, v in cfg.items()})


def load(folder: Path, spec: dict[str, Any]) -> tuple[ContextHead, str]:
    """The context head a model file names (`context.file` beside it, its shape in `context`), and that file's
    sha256 for the signature."""
    path = folder / spec["file"]
    weights = read_weights(path)
    head = ContextHead(int(spec["d_in"]), int(spec["width"]), int(spec["layers"]), int(spec["heads"]))
    head.load_state_dict({k: v.float() for k, v in weights.items()})
    return head.eval(), sha256_file(path)


def loss(tok: torch.Tensor, sent: torch.Tensor, y_tok: torch.Tensor, y_sent: torch.Tensor,
         pos_weight: torch.Tensor) -> torch.Tensor:
    """Token BCE (masked where y < 0, positives weighted to balance) plus sentence BCE (masked where y < 0)."""
    m, ms = y_tok >= 0, y_sent >= 0
    out = F.binary_cross_entropy_with_logits(tok[m], y_tok[m], pos_weight=pos_weight)
    if bool(ms.any()):
        out = out + F.binary_cross_entropy_with_logits(sent[ms], y_sent[ms])
    return out
