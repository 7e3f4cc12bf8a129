"""The Gemma 3 text decoder in plain torch: the forward pass checker runs, without transformers' modelling stack.

Importing transformers' model classes pulls torch.distributed, torch._dynamo and scipy (~1.4 s of a 6.4 s cold
`checker check`), and `from_pretrained` builds the model twice over (meta device, then weights). checker needs
one thing from Gemma: hidden states for a batch of token ids, with a key/value cache for a few decoding steps.
The operations below are transformers' Gemma3 with SDPA attention, in the same order and dtypes (norms in
float32, the embedding scale rounded to the model dtype, RoPE tables in float32 then cast, the same SDPA calls
for causal, windowed and padded attention), so hidden states are bit-identical; `tests/test_gemma.py` compares
them with transformers' own model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F


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
        from checker.modelstore import read_config

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
    """Keys and values per layer for every position so far (the prefixes checker decodes from are short, so the
    sliding layers keep everything too and are windowed by their mask)."""

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

    def repeat_rows(self, n: int) -> None:
        """Each batch row n times in a row (several continuations of one prefix)."""
        self.keys = [None if k is None else k.repeat_interleave(n, 0) for k in self.keys]
        self.values = [None if v is None else v.repeat_interleave(n, 0) for v in self.values]


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

    def attention(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, mask: torch.Tensor | None,
                  cache: KVCache | None, index: int) -> torch.Tensor:
        b, t, _ = x.shape
        q = F.linear(x, self.q).view(b, t, -1, self.head_dim).transpose(1, 2)
        k = F.linear(x, self.k).view(b, t, -1, self.head_dim).transpose(1, 2)
        v = F.linear(x, self.v).view(b, t, -1, self.head_dim).transpose(1, 2)
        q, k = self.q_norm(q), self.k_norm(k)
        cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
        q = (q * cos) + (_rotate_half(q) * sin)
        k = (k * cos) + (_rotate_half(k) * sin)
        if cache is not None:
            k, v = cache.update(index, k, v)
        groups = self.heads // self.kv_heads
        if mask is None:  # causal without padding: one kernel call, keys shared across the query heads
            out = F.scaled_dot_product_attention(q, k, v, scale=self.scale, is_causal=t > 1,
                                                 **({"enable_gqa": True} if groups > 1 else {}))
        elif t == 1 and groups > 1:  # one decoding step: the query heads of a key head as its rows
            out = F.scaled_dot_product_attention(q.reshape(b, self.kv_heads, groups, self.head_dim), k, v,
                                                 attn_mask=mask, scale=self.scale)
        else:
            if groups > 1:
                k = k[:, :, None].expand(b, self.kv_heads, groups, *k.shape[2:]).reshape(b, self.heads, *k.shape[2:])
                v = v[:, :, None].expand(b, self.kv_heads, groups, *v.shape[2:]).reshape(b, self.heads, *v.shape[2:])
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=self.scale)
        out = out.reshape(b, -1, t, self.head_dim).transpose(1, 2).contiguous()
        return F.linear(out.reshape(b, t, -1).contiguous(), self.o)

    def __call__(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, mask: torch.Tensor | None,
                 cache: KVCache | None, index: int) -> torch.Tensor:
        n_in, n_post_attn, n_pre_ff, n_post_ff = self.norms
        x = x + n_post_attn(self.attention(n_in(x), cos, sin, mask, cache, index))
        h = n_pre_ff(x)
        h = F.linear(F.gelu(F.linear(h, self.gate), approximate="tanh") * F.linear(h, self.up), self.down)
        return x + n_post_ff(h)


class GemmaModel:
    """Gemma 3 text weights and the forward pass; `embedding` doubles as the output layer (tied)."""

    def __init__(self, folder: Path, dtype: torch.dtype = torch.float32) -> None:
        from checker.modelstore import read_weights

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

    def _masks(self, t: int, past: int, padding: torch.Tensor | None) -> dict[str, torch.Tensor | None]:
        """Boolean masks (True = may attend) over cache positions, or None where SDPA's own causal flag is exact
        (transformers' rule, kept so the kernels and the numbers match): no padding, the cache empty or one
        query, and for the windowed layers fewer positions than the window."""
        total = past + t
        window = self.config.sliding_window
        if padding is not None and bool(padding.all()):
            padding = None
        masks: dict[str, torch.Tensor | None] = {}
        q = torch.arange(past, total)[:, None]
        kv = torch.arange(total)[None, :]
        for kind in set(self.config.layer_types):
            windowed = kind == "sliding_attention" and total >= window
            if not windowed and padding is None and (t == 1 or past == 0):
                masks[kind] = None
                continue
            allowed = kv <= q
            if windowed:
                allowed = allowed & (kv > q - window)
            allowed = allowed[None, None]
            if padding is not None:
                allowed = allowed & padding.bool()[:, None, None, :]
            masks[kind] = allowed
        return masks

    @torch.inference_mode()
    def forward(self, ids: torch.Tensor, positions: torch.Tensor | None = None, padding: torch.Tensor | None = None,
                cache: KVCache | None = None) -> torch.Tensor:
        """Final hidden states (after the last norm) for `ids` [batch, time]. `padding` marks real tokens over
        the cache and these ids ([batch, past + time], 1 = real); `positions` default to 0, 1, 2, …"""
        past = cache.length if cache is not None else 0
        b, t = ids.shape
        if positions is None:
            positions = torch.arange(past, past + t)[None].expand(b, t)
        x = F.embedding(ids, self.embedding) * self.embed_scale
        masks = self._masks(t, past, padding)
        rope = {kind: self._rope(positions, kind) for kind in self.inv_freq}
        for i, layer in enumerate(self.layers):
            kind = self.config.layer_types[i]
            cos, sin = rope[kind]
            x = layer(x, cos, sin, masks[kind], cache, i)
        return self.norm(x)

    def logits(self, states: torch.Tensor) -> torch.Tensor:
        out = F.linear(states, self.embedding)
        cap = self.config.final_logit_softcapping
        if cap:
            out = torch.tanh(out / cap) * cap
        return out
