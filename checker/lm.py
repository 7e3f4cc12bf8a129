"""Score: per-token surprisal (nats) from the causal LM, mapped to character spans of the text.

The whole article is scored in one pass per window; long articles use overlapping windows so that
every token keeps at least `context` tokens of left context.
"""

from __future__ import annotations

import json
import math
import threading
from pathlib import Path

import torch

from checker import modelstore
from checker.models import LMOutput
from checker.tokens import TokenScore


def best_dtype() -> torch.dtype:
    """bf16 only pays where the CPU has native bf16 (AVX512-BF16/AMX); elsewhere it is emulated and slower."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return torch.float32
    return torch.bfloat16 if ("avx512_bf16" in flags or "amx_bf16" in flags) else torch.float32


class LanguageModel:
    """Load once per run and pass in; scoring never reloads."""

    name = modelstore.LM_NAME

    def __init__(self, folder: Path | None = None, dtype: torch.dtype | None = None,
                 window: int = 1024, context: int = 256, threads: int | None = None) -> None:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        folder = folder or modelstore.prepare_lm()
        if threads:
            torch.set_num_threads(threads)
        self.dtype = dtype or best_dtype()
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self._tok_lock = threading.Lock()  # a fast tokenizer is not safe across threads (server workers)
        self.model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=self.dtype)
        self.model.eval()
        if not 0 <= context < window - 1:
            raise ValueError("context must be shorter than the window")
        self.window = window
        self.context = context
        stamp = folder / "stamp.json"
        meta = json.loads(stamp.read_text()) if stamp.exists() else {}
        self.version = meta.get("version", modelstore.LM_VERSION)
        self.sha256 = meta.get("gguf_sha256", "")

    def _nll(self, inp: torch.Tensor, target: torch.Tensor, rows: int = 128
             ) -> tuple[torch.Tensor, torch.Tensor]:
        """Surprisal of each target token (and the states after each); the 262k-way output layer runs in row
        chunks to bound memory."""
        states = self.model.model(input_ids=inp).last_hidden_state[0]
        hidden = states[:-1]
        cap = getattr(self.model.config, "final_logit_softcapping", None)
        out = []
        for i in range(0, hidden.shape[0], rows):
            logits = self.model.lm_head(hidden[i:i + rows]).float()
            if cap:
                logits = torch.tanh(logits / cap) * cap
            logp = torch.log_softmax(logits, dim=-1)
            out.append(-logp.gather(1, target[i:i + rows, None])[:, 0])
        return torch.cat(out), states[1:]

    @torch.inference_mode()
    def propose(self, prefix: str, max_new_tokens: int = 6) -> tuple[str, float]:
        """The word the model expects after `prefix` (greedy) and its surprisal in nats."""
        with self._tok_lock:
            ids = [self.tokenizer.bos_token_id] + self.tokenizer(prefix, add_special_tokens=False)["input_ids"]
        gen = self.model.generate(torch.tensor([ids]), max_new_tokens=max_new_tokens, do_sample=False,
                                  output_scores=True, return_dict_in_generate=True, pad_token_id=0)
        new = gen.sequences[0, len(ids):].tolist()
        word, total = "", 0.0
        for k, tid in enumerate(new):
            with self._tok_lock:
                piece = self.tokenizer.convert_ids_to_tokens(tid)
            text = piece.replace("▁", " ")
            if k > 0 and (text.startswith(" ") or not text.strip().replace("-", "").isalpha()):
                break
            if k == 0 and not text.strip().replace("-", "").isalpha():
                break
            word += text
            total += float(-torch.log_softmax(gen.scores[k][0].float(), -1)[tid])
        return word.strip(), total

    def pieces(self, text: str) -> list[str]:
        with self._tok_lock:
            return self.tokenizer.convert_ids_to_tokens(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    @property
    def dtype_name(self) -> str:
        return str(self.dtype).removeprefix("torch.")

    @torch.inference_mode()
    def score(self, text: str, *, hidden: bool = False) -> LMOutput:
        """Every token's surprisal in context; with hidden=True also the final hidden state of each token."""
        with self._tok_lock:
            enc = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        ids: list[int] = enc["input_ids"]
        offsets: list[tuple[int, int]] = enc["offset_mapping"]
        if not ids:
            return LMOutput([], None)
        bos = self.tokenizer.bos_token_id
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
            pieces = self.tokenizer.convert_ids_to_tokens(ids)
        tokens = [TokenScore(s, e, round(v, 4), p) for (s, e), v, p in zip(offsets, surprisal, pieces)]
        return LMOutput(tokens, states.numpy() if states is not None else None)
