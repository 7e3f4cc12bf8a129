"""Our NLI cross-encoder's forward pass (a 6-layer BERT) in plain torch, and its WordPiece tokenizer.

For the same reason as checker/gemma.py: transformers' modelling stack costs more to import than the
encoder costs to run on an article's pairs. The operations are transformers' BertForSequenceClassification
with SDPA attention in the same order and dtypes, and the tokenizer is the `tokenizers` library reading the
same tokenizer.json with the truncation and padding transformers sets per call, so ids and probabilities are
bit-identical (tests/test_minilm.py compares both with transformers).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from tokenizers import Tokenizer

from checker.modelstore import read_config, read_weights


class BertFormatError(ValueError):
    """The folder holds a model this implementation does not cover."""


@dataclass(frozen=True)
class BertConfig:
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    layer_norm_eps: float

    @classmethod
    def from_file(cls, path: Path) -> BertConfig:
        raw = read_config(path)
        bad = [k for k, v in {
            "model_type": raw.get("model_type") != "bert",
            "hidden_act": raw.get("hidden_act") != "gelu",
            "position_embedding_type": raw.get("position_embedding_type", "absolute") != "absolute",
            "is_decoder": bool(raw.get("is_decoder")),
        }.items() if v]
        if bad:
            raise BertFormatError(f"{path}: unsupported BERT options: {', '.join(bad)}")
        try:
            return cls(int(raw["hidden_size"]), int(raw["num_hidden_layers"]), int(raw["num_attention_heads"]),
                       float(raw["layer_norm_eps"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise BertFormatError(f"{path}: missing or malformed field {exc}") from None


class WordPieceTokenizer:
    """The encoder's tokenizer.json through `tokenizers`, truncated and padded per batch as transformers does
    (longest-first truncation to `max_length`, padding to the longest row)."""

    def __init__(self, path: Path, max_length: int) -> None:
        self._tok = Tokenizer.from_file(str(path))
        self._tok.enable_truncation(max_length, strategy="longest_first")
        self._tok.enable_padding(pad_id=self._tok.token_to_id("[PAD]") or 0, pad_token="[PAD]")

    def __call__(self, first: list[str], second: list[str] | None = None) -> dict[str, torch.Tensor]:
        inputs = list(zip(first, second)) if second is not None else first
        enc = self._tok.encode_batch(inputs)
        return {"input_ids": torch.tensor([e.ids for e in enc]),
                "token_type_ids": torch.tensor([e.type_ids for e in enc]),
                "attention_mask": torch.tensor([e.attention_mask for e in enc])}


class _Layer:
    def __init__(self, w: dict[str, torch.Tensor], p: str, cfg: BertConfig) -> None:
        self.q = (w[p + "attention.self.query.weight"], w[p + "attention.self.query.bias"])
        self.k = (w[p + "attention.self.key.weight"], w[p + "attention.self.key.bias"])
        self.v = (w[p + "attention.self.value.weight"], w[p + "attention.self.value.bias"])
        self.o = (w[p + "attention.output.dense.weight"], w[p + "attention.output.dense.bias"])
        self.norm1 = (w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
        self.up = (w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"])
        self.down = (w[p + "output.dense.weight"], w[p + "output.dense.bias"])
        self.norm2 = (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        self.head_dim = cfg.hidden_size // cfg.num_attention_heads
        self.eps = cfg.layer_norm_eps

    def __call__(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        b, t, h = x.shape
        q, k, v = (F.linear(x, *p).view(b, t, -1, self.head_dim).transpose(1, 2) for p in (self.q, self.k, self.v))
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=self.head_dim ** -0.5)
        a = a.reshape(b, -1, t, self.head_dim).transpose(1, 2).contiguous().reshape(b, t, -1).contiguous()
        x = F.layer_norm(F.linear(a, *self.o) + x, (h,), *self.norm1, eps=self.eps)
        f = F.linear(F.gelu(F.linear(x, *self.up)), *self.down)
        return F.layer_norm(f + x, (h,), *self.norm2, eps=self.eps)


class BertClassifier:
    """BERT weights, the encoder pass, and the pooled classification head."""

    def __init__(self, folder: Path, dtype: torch.dtype = torch.float32) -> None:
        self.config = cfg = BertConfig.from_file(folder / "config.json")
        self.dtype = dtype
        w = {k.removeprefix("bert."): t.to(dtype) for k, t in read_weights(folder / "model.safetensors").items()}
        try:
            self.words = w["embeddings.word_embeddings.weight"]
            self.positions = w["embeddings.position_embeddings.weight"]
            self.types = w["embeddings.token_type_embeddings.weight"]
            self.norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
            self.layers = [_Layer(w, f"encoder.layer.{i}.", cfg) for i in range(cfg.num_hidden_layers)]
            self.pooler = (w["pooler.dense.weight"], w["pooler.dense.bias"])
            self.classifier = (w["classifier.weight"], w["classifier.bias"])
        except KeyError as exc:
            raise BertFormatError(f"{folder}: missing weight {exc}") from None

    @torch.inference_mode()
    def encode(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor, attention_mask: torch.Tensor
               ) -> torch.Tensor:
        """Last hidden states [batch, time, hidden]."""
        b, t = input_ids.shape
        x = F.embedding(input_ids, self.words) + F.embedding(token_type_ids, self.types)
        x = x + F.embedding(torch.arange(t)[None], self.positions)
        x = F.layer_norm(x, (x.shape[-1],), *self.norm, eps=self.config.layer_norm_eps)
        mask = None
        if not bool(attention_mask.all()):  # padding: every query sees the row's real tokens only
            mask = attention_mask.bool()[:, None, None, :].expand(b, 1, t, t)
        for layer in self.layers:
            x = layer(x, mask)
        return x

    @torch.inference_mode()
    def classify(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor, attention_mask: torch.Tensor
                 ) -> torch.Tensor:
        """Logits [batch, labels] from the [CLS] state through the pooler."""
        states = self.encode(input_ids, token_type_ids, attention_mask)
        pooled = torch.tanh(F.linear(states[:, 0], *self.pooler))
        return F.linear(pooled, *self.classifier)
