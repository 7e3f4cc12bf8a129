"""Gemma 3's GGUF weights as the bf16 safetensors transformers loads, one tensor (and row block) at a time.

transformers' own GGUF loader dequantises every tensor to float32 before casting, so `checker models prepare`
peaked at 3.0 GB; this conversion holds the bf16 result and one block of float32 rows (peak ~1.6 GB). The tensors
are bit-identical to the loader's (`tests/test_gguf_convert.py` compares all 236 of them). llama.cpp stores Gemma's
RMSNorm weights as 1 + w (Gemma scales by 1 + w), so they get 1 taken off, in float32 as the loader does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from gguf import GGUFReader
from gguf.quants import dequantize
from safetensors.torch import save_file

ROWS_PER_BLOCK = 16384  # float32 rows dequantised at once (the 262k-row embedding: 42 MB per block)
LAYER_PARTS = {
    "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj", "attn_q_norm": "self_attn.q_norm", "attn_k_norm": "self_attn.k_norm",
    "attn_norm": "input_layernorm", "post_attention_norm": "post_attention_layernorm",
    "ffn_norm": "pre_feedforward_layernorm", "post_ffw_norm": "post_feedforward_layernorm",
    "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj",
}


def hf_name(name: str) -> str:
    """The transformers parameter name of a Gemma 3 GGUF tensor."""
    if name == "token_embd.weight":
        return "model.embed_tokens.weight"
    if name == "output_norm.weight":
        return "model.norm.weight"
    m = re.fullmatch(r"blk\.(\d+)\.(\w+)\.weight", name)
    if not m or m.group(2) not in LAYER_PARTS:
        raise ValueError(f"unexpected tensor in the Gemma 3 GGUF: {name}")
    return f"model.layers.{m.group(1)}.{LAYER_PARTS[m.group(2)]}.weight"


def tensors(gguf_file: Path) -> Iterator[tuple[str, torch.Tensor]]:
    """(transformers name, bf16 tensor) for every tensor of the file, dequantised a block of rows at a time."""
    reader = GGUFReader(str(gguf_file))
    for t in reader.tensors:
        name = hf_name(t.name)
        shape = [int(x) for x in reversed(t.shape)]  # GGUF lists dimensions innermost first
        n_rows = shape[0] if len(shape) > 1 else 1  # a norm vector is one row
        rows = t.data.reshape(n_rows, -1)
        out = torch.empty(shape, dtype=torch.bfloat16)
        flat = out.view(n_rows, -1)
        for start in range(0, n_rows, ROWS_PER_BLOCK):
            block = torch.from_numpy(np.array(dequantize(rows[start:start + ROWS_PER_BLOCK], t.tensor_type),
                                              dtype=np.float32))
            if name.endswith("norm.weight"):
                block -= 1.0
            flat[start:start + len(block)] = block.reshape(len(block), -1)
        yield name, out


def convert(gguf_file: Path, out: Path) -> None:
    """Write the file's weights as bf16 safetensors (the format transformers' save_pretrained writes)."""
    save_file(dict(tensors(gguf_file)), str(out), metadata={"format": "pt"})
