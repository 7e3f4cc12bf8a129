"""Score: per-token surprisal (nats) from the causal LM, mapped to character spans of the text.

The whole article is scored in one pass per window; long articles use overlapping windows so that
every token keeps at least `context` tokens of left context.
"""

from __future__ import annotations

import json
import math
import os
import threading
from pathlib import Path
from typing import Any

import torch

from checker import modelstore
from checker.gemma import GemmaModel, KVCache
from checker.models import LMOutput
from checker.tokens import TokenScore

DTYPES = {"bf16": torch.bfloat16, "bfloat16": torch.bfloat16, "fp32": torch.float32, "float32": torch.float32}


def best_dtype() -> torch.dtype:
    """bf16 only pays where the CPU has native bf16 (AVX512-BF16/AMX); elsewhere it is emulated and slower.
    CHECKER_DTYPE=fp32|bf16 overrides (one number format across a mixed fleet; the signature records it)."""
    chosen = os.environ.get("CHECKER_DTYPE", "").strip().lower()
    if chosen:
        if chosen not in DTYPES:
            raise ValueError(f"CHECKER_DTYPE={chosen!r} is not one of fp32, bf16")
        return DTYPES[chosen]
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return torch.float32
    return torch.bfloat16 if ("avx512_bf16" in flags or "amx_bf16" in flags) else torch.float32


def _continues(piece: str, n: int) -> bool:
    """Whether the n-th piece of a proposed word belongs to it: letters (or hyphens), and after the first piece no
    word boundary. `propose` reads words by this rule and stops decoding once no row's word can go on."""
    text = piece.replace("▁", " ")
    return (n == 0 or not text.startswith(" ")) and text.strip().replace("-", "").isalpha()


class LanguageModel:
    """Load once per run and pass in; scoring never reloads."""

    name = modelstore.LM_NAME

    def __init__(self, folder: Path | None = None, dtype: torch.dtype | None = None,
                 window: int = 1024, context: int = 256, threads: int | None = None) -> None:
        folder = folder or modelstore.prepare_lm()
        if threads:
            torch.set_num_threads(threads)
        self.dtype = dtype or best_dtype()
        # tokenizer.json as a SentencePiece model (checker/lmtok.py): the same tokens, loaded in 0.07 s, not 1.1 s
        from checker.lmtok import PieceTokenizer

        self.tokenizer = PieceTokenizer.for_folder(folder)
        self.bos_id = self.tokenizer.token_to_id("<bos>")
        self.pad_id = self.tokenizer.token_to_id("<pad>") or 0
        self._tok_lock = threading.Lock()  # one caller at a time (server workers share the model)
        # our own forward pass (checker/gemma.py): bit-identical to transformers' Gemma3, without importing it
        self.model = GemmaModel(folder, self.dtype)
        if not 0 <= context < window - 1:
            raise ValueError("context must be shorter than the window")
        self.window = window
        self.context = context
        stamp = folder / "stamp.json"
        meta = json.loads(stamp.read_text()) if stamp.exists() else {}
        self.version = meta.get("version", modelstore.LM_VERSION)
        self.sha256 = meta.get("gguf_sha256", "")

    def _nll(self, inp: torch.Tensor, target: torch.Tensor, cells: int = 4 << 20
             ) -> tuple[torch.Tensor, torch.Tensor]:
        """Surprisal of each target token (and the states after each). The 262k-way output layer runs in vocabulary
        slices for all rows at once, with a running max and sum of exponentials per row (an online log-sum-exp):
        the weight is read once and each slice of logits (about `cells` values) stays in cache while it is
        reduced. Row chunks over the whole vocabulary read the 335 MB weight once per chunk and pushed 134 MB
        slices through memory four times; this halves the output layer (seed 0.67 → 0.29 s) and changes
        surprisal only by summation order (≤ 4e-5 nats)."""
        states = self.model.forward(inp)[0]
        hidden = states[:-1]
        cap = self.model.config.final_logit_softcapping
        weight = self.model.embedding
        n, vocab = hidden.shape[0], weight.shape[0]
        cols = 2048
        while cols < 16384 and 2 * cols * n <= cells:
            cols *= 2
        cols = min(cols, vocab)
        low = torch.empty(n, cols, dtype=weight.dtype)
        wide = torch.empty(n, cols, dtype=torch.float32)
        top = torch.full((n,), -math.inf)
        total = torch.zeros(n)
        picked = torch.empty(n)
        for j in range(0, vocab, cols):
            c = min(cols, vocab - j)
            lo, lw = (low, wide) if c == cols else (low[:, :c].contiguous(), wide[:, :c].contiguous())
            torch.matmul(hidden, weight[j:j + c].t(), out=lo)
            lw.copy_(lo)
            if cap:
                lw.div_(cap).tanh_().mul_(cap)
            here = ((target >= j) & (target < j + c)).nonzero()[:, 0]
            if len(here):
                picked[here] = lw[here, target[here] - j]
            new = torch.maximum(top, lw.amax(-1))
            total.mul_((top - new).exp_())
            lw.sub_(new[:, None]).exp_()
            total.add_(lw.sum(-1))
            top = new
        return top + total.log() - picked, states[1:]

    @torch.inference_mode()
    def propose(self, prefixes: list[str], alternatives: int = 3, max_new_tokens: int = 6
                ) -> list[list[tuple[str, float]]]:
        """For each prefix, the words the model expects next: its `alternatives` most likely first tokens, each
        completed greedily to a word, with the word's surprisal in nats. One batched pass for all prefixes
        (left-padded, masked, positions counted from each row's first real token) and a few cached decoding
        steps, instead of one generation per prefix; taking the top few first tokens rather than only the best
        keeps a close spelling that sits a hair behind another word from being lost to rounding."""
        if not prefixes:
            return []
        bos = self.bos_id
        with self._tok_lock:
            rows = [[bos] + self.tokenizer.encode(p).ids for p in prefixes]
        width, k = max(map(len, rows)), alternatives
        pad = self.pad_id
        ids = torch.tensor([[pad] * (width - len(r)) + r for r in rows])
        mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows])
        pos = (mask.cumsum(-1) - 1).clamp(min=0)
        cache = KVCache(len(self.model.layers))
        last = self.model.forward(ids, pos, mask, cache)[:, -1]
        first = torch.log_softmax(self.model.logits(last).float(), -1).topk(k)
        cache.repeat_rows(k)
        mask = mask.repeat_interleave(k, 0)
        pos = pos[:, -1:].repeat_interleave(k, 0)
        cur = first.indices.reshape(-1, 1)
        chosen, total = [cur[:, 0].tolist()], (-first.values).reshape(-1).tolist()
        steps = [total[:]]  # cumulative surprisal after each token
        with self._tok_lock:
            open_rows = {j for j, t in enumerate(chosen[0]) if _continues(self.tokenizer.id_to_token(t), 0)}
        for _ in range(max_new_tokens - 1):
            if not open_rows:  # every row's word has ended: further steps could not change any answer
                break
            mask = torch.cat([mask, torch.ones(len(cur), 1, dtype=mask.dtype)], 1)
            pos = pos + 1
            last = self.model.forward(cur, pos, mask, cache)[:, -1]
            logp = torch.log_softmax(self.model.logits(last).float(), -1)
            best = logp.max(-1)
            cur = best.indices.reshape(-1, 1)
            chosen.append(cur[:, 0].tolist())
            total = [t - float(v) for t, v in zip(total, best.values)]
            steps.append(total[:])
            with self._tok_lock:
                open_rows = {j for j in open_rows if _continues(self.tokenizer.id_to_token(chosen[-1][j]), 1)}
        with self._tok_lock:
            pieces = [[self.tokenizer.id_to_token(c[j]) for c in chosen] for j in range(len(cur))]
        answers: list[list[tuple[str, float]]] = [[] for _ in rows]
        for j, ps in enumerate(pieces):
            word, n = "", 0
            for n, piece in enumerate(ps):
                if not _continues(piece, n):
                    break
                word += piece.replace("▁", " ")
            else:
                n = len(ps)
            if word.strip():
                answers[j // k].append((word.strip(), steps[n - 1][j]))
        return answers

    @torch.inference_mode()
    def next_pieces(self, states: Any, k: int = 5) -> list[list[str]]:
        """The `k` likeliest next tokens after each of the given final hidden states (rows of `LMOutput.hidden`):
        the distribution the LM pass already computed there, read back for one output row each."""
        if len(states) == 0:
            return []
        logits = self.model.logits(torch.as_tensor(states).to(self.dtype))
        top = logits.float().topk(k, dim=-1).indices.tolist()
        with self._tok_lock:
            return [[self.tokenizer.id_to_token(t) for t in row] for row in top]

    def pieces(self, text: str) -> list[str]:
        with self._tok_lock:
            return self.tokenizer.encode(text).tokens

    @property
    def dtype_name(self) -> str:
        return str(self.dtype).removeprefix("torch.")

    @torch.inference_mode()
    def score(self, text: str, *, hidden: bool = False) -> LMOutput:
        """Every token's surprisal in context; with hidden=True also the final hidden state of each token."""
        with self._tok_lock:
            enc = self.tokenizer.encode(text)
        ids: list[int] = enc.ids
        offsets: list[tuple[int, int]] = enc.offsets
        if not ids:
            return LMOutput([], None)
        bos = self.bos_id
        surprisal = [math.nan] * len(ids)
        states: torch.Tensor | None = None
        if hidden:
            # fp16, as the training features were stored: a 1 MB article (~250k tokens) holds 320 MB, not 640
            states = torch.zeros(len(ids), self.model.config.hidden_size, dtype=torch.float16)
        body = self.window - 1
        start = 0
        while start < len(ids):
            ctx_start = max(0, start - self.context)
            chunk = ids[ctx_start: start + body - (start - ctx_start)]
            inp = torch.tensor([[bos] + chunk])
            nll, h = self._nll(inp, torch.tensor(chunk))
            first = start - ctx_start
            for i in range(first, len(chunk)):
                surprisal[ctx_start + i] = float(nll[i])
            if states is not None:
                states[start:ctx_start + len(chunk)] = h[first:].to(torch.float16)
            start = ctx_start + len(chunk)
        with self._tok_lock:
            pieces = [self.tokenizer.id_to_token(i) for i in ids]
        tokens = [TokenScore(s, e, round(v, 4), p) for (s, e), v, p in zip(offsets, surprisal, pieces)]
        return LMOutput(tokens, states.numpy() if states is not None else None)
