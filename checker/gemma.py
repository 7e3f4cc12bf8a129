"""The Gemma 3 text decoder in plain torch: the forward pass checker runs, without transformers' modelling stack.

Importing transformers' model classes pulls torch.distributed, torch._dynamo and scipy (~1.4 s of a 6.4 s cold
`checker check`), and `from_pretrained` builds the model twice over (meta device, then weights). checker needs
two things from Gemma: the final states of a whole text (`forward`, keeping its keys and values), and a few
greedy steps for several rows that each continue that text from their own point (`branch`, for the name
proposals). `forward` is transformers' Gemma3 with SDPA attention, in the same order and dtypes (norms in float32,
the embedding scale rounded to the model dtype, RoPE tables in float32 then cast, the same SDPA calls for causal
and windowed attention), so its states are bit-identical (`tests/test_gemma.py` compares them with transformers'
own model); `branch` matches a fresh pass over each row's own sequence to float rounding (same test file).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import torch
import torch.nn.functional as F

from checker.modelstore import read_config, read_weights


class GemmaFormatError(ValueError):
    """The folder holds a model this implementation does not cover (another architecture or option)."""


@dataclass(frozen=True)
class GemmaConfig:
    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int
    rms_norm_eps: float
    query_pre_attn_scalar: float
    sliding_window: int
    layer_types: tuple[str, ...]
    rope_theta: dict[str, float]
    final_logit_softcapping: float | None

    @classmethod
    def from_file(cls, path: Path) -> GemmaConfig:
        raw = read_config(path)
        unsupported = {
            "model_type": raw.get("model_type") != "gemma3_text",
            "hidden_activation": raw.get("hidden_activation") != "gelu_pytorch_tanh",
            "attn_logit_softcapping": raw.get("attn_logit_softcapping") is not None,
            "use_bidirectional_attention": bool(raw.get("use_bidirectional_attention")),
            "attention_bias": bool(raw.get("attention_bias")),
            "tie_word_embeddings": raw.get("tie_word_embeddings") is False,
        }
        try:
            rope = raw.get("rope_parameters") or {}
            types = tuple(raw["layer_types"])
            for kind in set(types):
                if (rope.get(kind) or {}).get("rope_type", "default") != "default":
                    unsupported[f"rope_parameters.{kind}"] = True
            bad = [k for k, v in unsupported.items() if v]
            if bad:
                raise GemmaFormatError(f"{path}: unsupported Gemma options: {', '.join(bad)}")
            return cls(
                vocab_size=raw["vocab_size"], hidden_size=raw["hidden_size"],
                intermediate_size=raw["intermediate_size"], num_hidden_layers=raw["num_hidden_layers"],
                num_attention_heads=raw["num_attention_heads"], num_key_value_heads=raw["num_key_value_heads"],
                head_dim=raw["head_dim"], rms_norm_eps=raw["rms_norm_eps"],
                query_pre_attn_scalar=raw["query_pre_attn_scalar"], sliding_window=raw["sliding_window"],
                layer_types=types, rope_theta={k: float(rope[k]["rope_theta"]) for k in set(types)},
                final_logit_softcapping=raw.get("final_logit_softcapping"),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise GemmaFormatError(f"{path}: missing or malformed field {exc}") from None


class KVCache:
    """Keys and values per layer for every position so far (the windowed layers keep everything too: their
    masks window them)."""

    def __init__(self, layers: int) -> None:
        self.keys: list[torch.Tensor | None] = [None] * layers
        self.values: list[torch.Tensor | None] = [None] * layers

    def update(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        old_k, old_v = self.keys[layer], self.values[layer]
        if old_k is not None and old_v is not None:
            k, v = torch.cat([old_k, k], dim=-2), torch.cat([old_v, v], dim=-2)
        self.keys[layer], self.values[layer] = k, v
        return k, v

    @property
    def length(self) -> int:
        k = self.keys[0]
        return 0 if k is None else k.shape[-2]


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class _Norm:
    """RMSNorm as Gemma computes it: in float32, times (1 + w), then back to the input dtype."""

    def __init__(self, weight: torch.Tensor, eps: float) -> None:
        self.scale = 1.0 + weight.float()
        self.eps = eps

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        h = x.float()
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.eps)
        return (h * self.scale).type_as(x)


class _Layer:
    def __init__(self, w: dict[str, torch.Tensor], prefix: str, cfg: GemmaConfig) -> None:
        def get(name: str) -> torch.Tensor:
            return w[prefix + name]

        self.q, self.k, self.v, self.o = (get(f"self_attn.{p}_proj.weight") for p in "qkvo")
        self.gate, self.up, self.down = (get(f"mlp.{p}_proj.weight") for p in ("gate", "up", "down"))
        eps = cfg.rms_norm_eps
        self.q_norm = _Norm(get("self_attn.q_norm.weight"), eps)
        self.k_norm = _Norm(get("self_attn.k_norm.weight"), eps)
        self.norms = [_Norm(get(f"{n}.weight"), eps) for n in (
            "input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm", "post_feedforward_layernorm")]
        self.heads, self.kv_heads, self.head_dim = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
        self.scale = cfg.query_pre_attn_scalar ** -0.5

    def project(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Queries, keys and values [batch, heads, time, head_dim], normed and rotated."""
        b, t, _ = x.shape
        q = F.linear(x, self.q).view(b, t, -1, self.head_dim).transpose(1, 2)
        k = F.linear(x, self.k).view(b, t, -1, self.head_dim).transpose(1, 2)
        v = F.linear(x, self.v).view(b, t, -1, self.head_dim).transpose(1, 2)
        q, k = self.q_norm(q), self.k_norm(k)
        cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
        q = (q * cos) + (_rotate_half(q) * sin)
        k = (k * cos) + (_rotate_half(k) * sin)
        return q, k, v

    def attention(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, mask: torch.Tensor | None,
                  cache: KVCache | None, index: int) -> torch.Tensor:
        b, t, _ = x.shape
        q, k, v = self.project(x, cos, sin)
        if cache is not None:
            k, v = cache.update(index, k, v)
        groups = self.heads // self.kv_heads
        if mask is None:  # causal: one kernel call, keys shared across the query heads
            out = F.scaled_dot_product_attention(q, k, v, scale=self.scale, is_causal=t > 1,
                                                 **({"enable_gqa": True} if groups > 1 else {}))
        else:  # windowed: transformers repeats the keys per head when SDPA gets a mask
            if groups > 1:
                k = k[:, :, None].expand(b, self.kv_heads, groups, *k.shape[2:]).reshape(b, self.heads, *k.shape[2:])
                v = v[:, :, None].expand(b, self.kv_heads, groups, *v.shape[2:]).reshape(b, self.heads, *v.shape[2:])
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=self.scale)
        out = out.reshape(b, -1, t, self.head_dim).transpose(1, 2).contiguous()
        return F.linear(out.reshape(b, t, -1).contiguous(), self.o)

    def branch_attention(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, trunk: KVCache,
                         visible: torch.Tensor, own: KVCache, index: int) -> torch.Tensor:
        """One decoding step for rows that each continue a shared sequence from their own point: the trunk's
        keys (one sequence, [1, kv_heads, L, head_dim]) where `visible` [rows, L] allows, then the row's own.
        The trunk is never copied per row: its scores and values go through one matrix product for all rows."""
        r = x.shape[0]
        q, k, v = self.project(x, cos, sin)
        k_own, v_own = own.update(index, k, v)
        tk, tv = trunk.keys[index], trunk.values[index]
        assert tk is not None and tv is not None
        groups = self.heads // self.kv_heads
        qg = q.reshape(r, self.kv_heads, groups, self.head_dim)
        scores = torch.cat([torch.einsum("rkgd,kld->rkgl", qg, tk[0]),
                            torch.einsum("rkgd,rksd->rkgs", qg, k_own)], -1).float() * self.scale
        trunk_len = tk.shape[2]
        scores[..., :trunk_len].masked_fill_(~visible[:, None, None, :], -torch.inf)
        w = torch.softmax(scores, -1).to(q.dtype)
        out = (torch.einsum("rkgl,kld->rkgd", w[..., :trunk_len], tv[0])
               + torch.einsum("rkgs,rksd->rkgd", w[..., trunk_len:], v_own))
        return F.linear(out.reshape(r, 1, -1), self.o)

    def __call__(self, x: torch.Tensor, attend: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
        n_in, n_post_attn, n_pre_ff, n_post_ff = self.norms
        x = x + n_post_attn(attend(n_in(x)))
        h = n_pre_ff(x)
        h = F.linear(F.gelu(F.linear(h, self.gate), approximate="tanh") * F.linear(h, self.up), self.down)
        return x + n_post_ff(h)


class GemmaModel:
    """Gemma 3 text weights and the forward pass; `embedding` doubles as the output layer (tied)."""

    def __init__(self, folder: Path, dtype: torch.dtype = torch.float32) -> None:
        self.config = cfg = GemmaConfig.from_file(folder / "config.json")
        self.dtype = dtype
        raw = read_weights(folder / "model.safetensors")
        w = {k.removeprefix("model."): t.to(dtype) for k, t in raw.items()}
        del raw
        missing = {"embed_tokens.weight", "norm.weight"} - w.keys()
        if missing:
            raise GemmaFormatError(f"{folder}: missing weights {sorted(missing)}")
        self.embedding = w["embed_tokens.weight"]
        self.embed_scale = torch.tensor(cfg.hidden_size ** 0.5).to(dtype)
        try:
            self.layers = [_Layer(w, f"layers.{i}.", cfg) for i in range(cfg.num_hidden_layers)]
        except KeyError as exc:
            raise GemmaFormatError(f"{folder}: missing weight {exc}") from None
        self.norm = _Norm(w["norm.weight"], cfg.rms_norm_eps)
        dim = cfg.head_dim
        self.inv_freq = {kind: 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.float) / dim))
                         for kind, theta in cfg.rope_theta.items()}

    def _rope(self, positions: torch.Tensor, kind: str) -> tuple[torch.Tensor, torch.Tensor]:
        freqs = positions[..., None].float() * self.inv_freq[kind]
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos().to(self.dtype), emb.sin().to(self.dtype)

    def _masks(self, t: int) -> dict[str, torch.Tensor | None]:
        """Per layer kind, None where SDPA's own causal flag is exact, else a boolean mask (True = may attend):
        the windowed layers once the text reaches the window (transformers' rule, kept so that the kernels, and
        so the numbers, match)."""
        window = self.config.sliding_window
        masks: dict[str, torch.Tensor | None] = {}
        for kind in set(self.config.layer_types):
            if kind == "sliding_attention" and t >= window:
                q, kv = torch.arange(t)[:, None], torch.arange(t)[None, :]
                masks[kind] = ((kv <= q) & (kv > q - window))[None, None]
            else:
                masks[kind] = None
        return masks

    @torch.inference_mode()
    def forward(self, ids: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        """Final hidden states (after the last norm) for whole sequences `ids` [batch, time], with their keys
        and values left in `cache` when given (empty: `branch` continues from it)."""
        return self.run(ids, cache)[0]

    @torch.inference_mode()
    def run(self, ids: torch.Tensor, cache: KVCache | None = None, taps: tuple[int, ...] = ()
            ) -> tuple[torch.Tensor, dict[int, torch.Tensor]]:
        """`forward`, and for each k in `taps` the residual stream after layer k (1-based), scaled to unit RMS per
        position: a middle layer holds more of a sentence's syntax than the last, which is shaped for the next
        word (a linear probe for broken grammar reads it better), and Gemma's residual stream runs past
        float16's range until it is normalised."""
        x, tapped = self._layers(ids, cache, taps, len(self.layers))
        return self.norm(x), tapped

    @torch.inference_mode()
    def tapped(self, ids: torch.Tensor, taps: tuple[int, ...]) -> dict[int, torch.Tensor]:
        """Only the normalised residual streams after the layers `taps` (the layers above them are not run)."""
        return self._layers(ids, None, taps, max(taps))[1]

    def _layers(self, ids: torch.Tensor, cache: KVCache | None, taps: tuple[int, ...], stop: int
                ) -> tuple[torch.Tensor, dict[int, torch.Tensor]]:
        if cache is not None and cache.length:
            raise ValueError("forward starts sequences; continue a cached one with branch")
        if any(not 1 <= k <= len(self.layers) for k in taps):
            raise ValueError(f"no layer {taps}: the model has {len(self.layers)}")
        b, t = ids.shape
        positions = torch.arange(t)[None].expand(b, t)
        x = F.embedding(ids, self.embedding) * self.embed_scale
        masks = self._masks(t)
        rope = {kind: self._rope(positions, kind) for kind in self.inv_freq}
        tapped: dict[int, torch.Tensor] = {}
        for i, layer in enumerate(self.layers[:stop]):
            kind = self.config.layer_types[i]
            cos, sin = rope[kind]
            x = layer(x, partial(layer.attention, cos=cos, sin=sin, mask=masks[kind], cache=cache, index=i))
            if i + 1 in taps:
                xf = x.float()
                tapped[i + 1] = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True).clamp_min(1e-12))
        return x, tapped

    @torch.inference_mode()
    def branch(self, ids: torch.Tensor, positions: torch.Tensor, trunk: KVCache, cut: torch.Tensor,
               own: KVCache) -> torch.Tensor:
        """Final hidden states [rows, 1, hidden] for one new token per row, where row r continues the trunk's
        sequence (its cache from `forward`) after its first `cut[r]` positions, then its own earlier tokens
        (`own`, empty at the first step). `positions` [rows, 1] are the new tokens' positions (cut + step).
        What a prefix pass per row would compute, without running one: the trunk's keys are already there."""
        length = trunk.length
        kv = torch.arange(length)[None, :]
        visible = {}
        for kind in set(self.config.layer_types):
            allowed = kv < cut[:, None]
            if kind == "sliding_attention":
                allowed = allowed & (kv > positions - self.config.sliding_window)
            visible[kind] = allowed
        x = F.embedding(ids, self.embedding) * self.embed_scale
        rope = {kind: self._rope(positions, kind) for kind in self.inv_freq}
        for i, layer in enumerate(self.layers):
            kind = self.config.layer_types[i]
            cos, sin = rope[kind]
            x = layer(x, partial(layer.branch_attention, cos=cos, sin=sin, trunk=trunk, visible=visible[kind],
                                 own=own, index=i))
        return self.norm(x)

    def logits(self, states: torch.Tensor) -> torch.Tensor:
        out = F.linear(states, self.embedding)
        cap = self.config.final_logit_softcapping
        if cap:
            out = torch.tanh(out / cap) * cap
        return out
