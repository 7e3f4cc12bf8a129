"""Score: per-token surprisal (nats) from the causal LM, mapped to character spans of the text.

The whole article is scored in one pass per window; long articles use overlapping windows so that
every token keeps at least `context` tokens of left context.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch

from checker import modelstore
from checker.cancel import checkpoint
from checker.cpu import best_dtype
from checker.gemma import GemmaModel, KVCache
from checker.lmpass import PassState, Window
from checker.lmtok import PieceTokenizer
from checker.parts import LMOutput
from checker.propose import ProposalDecoder
from checker.tokens import TokenScore

MAX_KEPT_WINDOWS = 8  # windows whose keys and values a pass keeps for follow-up questions (~19 MB each in bf16)


# Wire copy arrives with typographic or straight quotes; the garble heads learnt from MQM news with straight ones,
# and read "Russia’s" as a break where "Russia's" is fine. The LM reads both as straight (one character for one,
# so every offset into the original text holds).
STRAIGHT = str.maketrans({"’": "'", "‘": "'", "‛": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "‟": '"'})


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
        self.tokenizer = PieceTokenizer.for_folder(folder)
        self.bos_id = self.tokenizer.token_to_id("<bos>")
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
        self.proposals = ProposalDecoder(self)

    def _nll(self, inp: torch.Tensor, target: torch.Tensor, cache: KVCache | None = None, cells: int = 4 << 20,
             taps: tuple[int, ...] = ()) -> tuple[torch.Tensor, torch.Tensor, dict[int, torch.Tensor]]:
        """Surprisal of each target token, and the final states of every input position (row 0: after <bos>;
        keys and values into `cache` when given). The 262k-way output layer runs in vocabulary
        slices for all rows at once, with a running max and sum of exponentials per row (an online log-sum-exp):
        the weight is read once and each slice of logits (about `cells` values) stays in cache while it is
        reduced. Row chunks over the whole vocabulary read the 335 MB weight once per chunk and pushed 134 MB
        slices through memory four times; this halves the output layer (seed 0.67 → 0.29 s) and changes
        surprisal only by summation order (≤ 4e-5 nats). With `taps`, also those layers' normalised states."""
        states, tapped = self.model.run(inp, cache=cache, taps=taps)
        return self._surprisal(states[0, :-1], target, cells), states[0], {k: v[0] for k, v in tapped.items()}

    def _surprisal(self, hidden: torch.Tensor, target: torch.Tensor, cells: int = 4 << 20) -> torch.Tensor:
        """−log p(target) for each row of final states, through the output layer in vocabulary slices."""
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
        return top + total.log() - picked

    def propose_at(self, out: LMOutput, positions: list[int], *, keep: Callable[[int, str], bool] | None = None,
                   limit: int | None = None, alternatives: int = 3, max_new_tokens: int = 6
                   ) -> list[list[tuple[str, float]]]:
        """The words the model expects at these positions instead (`checker.propose.ProposalDecoder`)."""
        return self.proposals.propose_at(out, positions, keep=keep, limit=limit, alternatives=alternatives,
                                         max_new_tokens=max_new_tokens)

    def pieces(self, text: str) -> list[str]:
        with self._tok_lock:
            return self.tokenizer.encode(text.translate(STRAIGHT)).tokens

    @property
    def hidden_size(self) -> int:
        return self.model.config.hidden_size

    @property
    def dtype_name(self) -> str:
        return str(self.dtype).removeprefix("torch.")

    def _window_spans(self, n: int) -> Iterator[tuple[int, int, int]]:
        """The windows a text of n tokens is read in: (first token read, first token scored, end). Each window
        re-reads up to `context` tokens before the ones it scores, so no token is scored with too little left
        context."""
        start = 0
        while start < n:
            ctx_start = max(0, start - self.context)
            end = min(n, ctx_start + self.window - 1)
            yield ctx_start, start, end
            start = end

    def _padded(self, rows: list[list[int]]) -> torch.Tensor:
        """Token rows after <bos>, right-padded into one batch (a causal model never lets a token see the padding
        after it)."""
        inp = torch.zeros(len(rows), 1 + max(len(r) for r in rows), dtype=torch.long)
        for r, ids in enumerate(rows):
            inp[r, :1 + len(ids)] = torch.tensor([self.bos_id, *ids])
        return inp

    @torch.inference_mode()
    def score(self, text: str, *, hidden: bool = False, layers: tuple[int, ...] = ()) -> LMOutput:
        """Every token's surprisal in context; with hidden=True also each token's final hidden state, and for each
        k in `layers` the normalised residual stream after layer k (`GemmaModel.run`; `LMOutput.layers`), all from
        the one pass. Typographic quotes are read as straight ones (one character for one: offsets hold), see
        `STRAIGHT`."""
        with self._tok_lock:
            enc = self.tokenizer.encode(text.translate(STRAIGHT))
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
        mids = {k: torch.zeros(len(ids), self.model.config.hidden_size, dtype=torch.float16) for k in layers}
        windows: list[Window] = []
        for ctx_start, start, end in self._window_spans(len(ids)):
            checkpoint()  # a window is the unit of work an abandoned check may still cost
            chunk = ids[ctx_start:end]
            inp = torch.tensor([[bos] + chunk])
            cache = KVCache(len(self.model.layers)) if len(windows) < MAX_KEPT_WINDOWS else None
            nll, h, tapped = self._nll(inp, torch.tensor(chunk), cache, taps=layers)
            windows.append(Window(ctx_start, start, end, cache, h if cache is not None else None))
            first = start - ctx_start
            for i in range(first, len(chunk)):
                surprisal[ctx_start + i] = float(nll[i])
            if states is not None:
                states[start:end] = h[1 + first:].to(torch.float16)
            for k, t in tapped.items():
                mids[k][start:end] = t[1 + first:].to(torch.float16)
        with self._tok_lock:
            pieces = [self.tokenizer.id_to_token(i) for i in ids]
        tokens = [TokenScore(s, e, round(v, 4), p) for (s, e), v, p in zip(offsets, surprisal, pieces)]
        return LMOutput(tokens, states.numpy() if states is not None else None, PassState(ids, windows),
                        {k: v.numpy() for k, v in mids.items()})


    @torch.inference_mode()
    def score_many(self, texts: list[str], *, hidden: bool = False, layers: tuple[int, ...] = ()
                   ) -> list[LMOutput]:
        """`score` for many short texts at once: one forward pass over the batch (right-padded: a causal model
        never lets a token see the padding after it) and one pass through the output layer for all their tokens.
        What a dev-set extraction of thousands of single sentences needs; the same figures as `score` up to
        summation order. Texts longer than one window go through `score`."""
        with self._tok_lock:
            encs = [self.tokenizer.encode(t.translate(STRAIGHT)) for t in texts]
        out: list[LMOutput | None] = [None] * len(texts)
        short = [i for i, e in enumerate(encs) if 0 < len(e.ids) < self.window - 1]
        batched = set(short)
        for i, e in enumerate(encs):
            if not e.ids:
                out[i] = LMOutput([], None)
            elif i not in batched:
                out[i] = self.score(texts[i], hidden=hidden, layers=layers)
        if short:
            states, tapped = self.model.run(self._padded([encs[i].ids for i in short]), taps=layers)
            rows = torch.cat([states[r, :len(encs[i].ids)] for r, i in enumerate(short)])
            target = torch.tensor([t for i in short for t in encs[i].ids])
            nll = self._surprisal(rows, target).tolist()
            k = 0
            for r, i in enumerate(short):
                e = encs[i]
                with self._tok_lock:
                    pieces = [self.tokenizer.id_to_token(t) for t in e.ids]
                tokens = [TokenScore(s, t, round(v, 4), p)
                          for (s, t), v, p in zip(e.offsets, nll[k:k + len(e.ids)], pieces)]
                k += len(e.ids)
                h = states[r, 1:1 + len(e.ids)].to(torch.float16).numpy() if hidden else None
                mids = {layer: t[r, 1:1 + len(e.ids)].to(torch.float16).numpy() for layer, t in tapped.items()}
                out[i] = LMOutput(tokens, h, layers=mids)
        return [o for o in out if o is not None]

    def _states_windowed(self, ids: list[int], layers: tuple[int, ...]) -> dict[int, Any]:
        """`states_many` for one long text, window by window as `score` reads it."""
        states = {k: torch.zeros(len(ids), self.hidden_size, dtype=torch.float16) for k in layers}
        for ctx_start, start, end in self._window_spans(len(ids)):
            for k, t in self.model.tapped(torch.tensor([[self.bos_id] + ids[ctx_start:end]]), layers).items():
                states[k][start:end] = t[0, 1 + start - ctx_start:].to(torch.float16)
        return {k: v.numpy() for k, v in states.items()}

    @torch.inference_mode()
    def states_many(self, texts: list[str], layers: tuple[int, ...]) -> list[dict[int, Any]]:
        """Only these layers' normalised states (fp16, row i after token i) for many texts: what `score` with
        `layers` returns in `LMOutput.layers`, without the output layer or the layers above (a training-feature
        extraction that already has the surprisal). Texts longer than one window are read window by window."""
        with self._tok_lock:
            encs = [self.tokenizer.encode(t.translate(STRAIGHT)).ids for t in texts]
        out: list[dict[int, Any]] = [{} for _ in texts]
        short = [i for i, e in enumerate(encs) if 0 < len(e) < self.window - 1]
        batched = set(short)
        for i, e in enumerate(encs):
            if i not in batched:
                out[i] = self._states_windowed(e, layers)
        if short:
            for k, got in self.model.tapped(self._padded([encs[i] for i in short]), layers).items():
                for r, i in enumerate(short):
                    out[i][k] = got[r, 1:1 + len(encs[i])].to(torch.float16).numpy()
        return out


def load(threads: int | None = None) -> LanguageModel:
    """The prepared Gemma 3 270M (the part loader `checker.models` names)."""
    return LanguageModel(modelstore.prepare_lm(), threads=threads)
