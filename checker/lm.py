"""Score: per-token surprisal (nats) from the causal LM, mapped to character spans of the text.

The whole article is scored in one pass per window; long articles use overlapping windows so that
every token keeps at least `context` tokens of left context.
"""

from __future__ import annotations

import json
import math
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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


MAX_KEPT_WINDOWS = 8  # windows whose keys and values a pass keeps for follow-up questions (~19 MB each in bf16)


@dataclass
class Window:
    """One window of an LM pass: <bos> + ids[ctx_start:end], scoring ids[start:end] (the rest is left context)."""

    ctx_start: int
    start: int
    end: int
    cache: KVCache | None = None  # keys and values of the whole window
    states: torch.Tensor | None = None  # final states; row j is after sequence position j (row 0 after <bos>)


@dataclass
class PassState:
    """What `score` leaves in `LMOutput.context`: the token ids and each window's cache."""

    ids: list[int]
    windows: list[Window]


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

    def _nll(self, inp: torch.Tensor, target: torch.Tensor, cache: KVCache | None = None, cells: int = 4 << 20
             ) -> tuple[torch.Tensor, torch.Tensor]:
        """Surprisal of each target token, and the final states of every input position (row 0: after <bos>;
        keys and values into `cache` when given). The 262k-way output layer runs in vocabulary
        slices for all rows at once, with a running max and sum of exponentials per row (an online log-sum-exp):
        the weight is read once and each slice of logits (about `cells` values) stays in cache while it is
        reduced. Row chunks over the whole vocabulary read the 335 MB weight once per chunk and pushed 134 MB
        slices through memory four times; this halves the output layer (seed 0.67 → 0.29 s) and changes
        surprisal only by summation order (≤ 4e-5 nats)."""
        states = self.model.forward(inp, cache=cache)[0]
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
        return top + total.log() - picked, states

    def _trunk(self, state: PassState, w: int, upto: int) -> Window:
        """Window `w` of the pass with its keys and values: kept by `score`, or computed again up to sequence
        position `upto` (past the first MAX_KEPT_WINDOWS windows of a very long text)."""
        win = state.windows[w]
        if win.cache is not None and win.states is not None:
            return win
        cache = KVCache(len(self.model.layers))
        states = self.model.forward(torch.tensor([[self.bos_id] + state.ids[win.ctx_start:win.ctx_start + upto]]),
                                    cache=cache)[0]
        return Window(win.ctx_start, win.start, win.end, cache, states)

    @torch.inference_mode()
    def propose_at(self, out: LMOutput, positions: list[int], *, keep: Callable[[int, str], bool] | None = None,
                   limit: int | None = None, alternatives: int = 3, max_new_tokens: int = 6
                   ) -> list[list[tuple[str, float]]]:
        """For each token position of a scored text, the words the model expects there instead, in the context
        the pass read it in: its `alternatives` likeliest first pieces (read off the pass's own state before the
        position), each completed greedily to a word, with the word's surprisal in nats. `keep(k, piece)` drops
        first pieces the caller has no use for (they are never decoded), and `limit` stops after that many
        positions with a kept piece. All rows decode together, one step per piece, each attending to the pass's
        cached keys up to its own position: no prefix pass, no copies of the context per row. Taking the top
        few first pieces rather than only the best keeps a close spelling that sits a hair behind another word
        from being lost to rounding."""
        answers: list[list[tuple[str, float]]] = [[] for _ in positions]
        state = out.context
        if not isinstance(state, PassState) or not positions:
            return answers
        where = [next(w for w, win in enumerate(state.windows) if win.start <= i < win.end) for i in positions]
        cuts = [i - state.windows[w].ctx_start + 1 for i, w in zip(positions, where)]  # 0 is <bos>
        trunks = {w: self._trunk(state, w, max(c for c, x in zip(cuts, where) if x == w)) for w in set(where)}
        before = torch.stack([trunks[w].states[c - 1] for w, c in zip(where, cuts)])  # type: ignore[index]
        first = torch.log_softmax(self.model.logits(before).float(), -1).topk(alternatives)
        rows: list[tuple[int, int, float]] = []  # (position index, first token, its log-probability)
        asked = 0
        with self._tok_lock:
            for k in range(len(positions)):
                kept = [(int(t), float(v)) for t, v in zip(first.indices[k], first.values[k])
                        if keep is None or keep(k, self.tokenizer.id_to_token(int(t)))]
                if kept:
                    asked += 1
                    if limit is not None and asked > limit:
                        break
                    rows += [(k, t, v) for t, v in kept]
        for w in sorted(set(where)):
            group = [r for r in rows if where[r[0]] == w]
            if group:
                for (k, _, _), answer in zip(group, self._complete(trunks[w], group, [cuts[r[0]] for r in group],
                                                                   max_new_tokens)):
                    if answer:
                        answers[k].append(answer)
        return answers

    def _complete(self, trunk: Window, rows: list[tuple[int, int, float]], cuts: list[int], max_new_tokens: int
                  ) -> list[tuple[str, float] | None]:
        """Greedy completion of each row's first piece to a word; stops once no row's word can go on."""
        assert trunk.cache is not None
        cur = torch.tensor([[t] for _, t, _ in rows])
        cut = torch.tensor(cuts)
        pos = cut[:, None].clone()
        own = KVCache(len(self.model.layers))
        chosen = [cur[:, 0].tolist()]
        total = [-v for _, _, v in rows]
        steps = [total[:]]  # cumulative surprisal after each piece
        with self._tok_lock:
            open_rows = {j for j, t in enumerate(chosen[0]) if _continues(self.tokenizer.id_to_token(t), 0)}
        for _ in range(max_new_tokens - 1):
            if not open_rows:  # every row's word has ended: further steps could not change any answer
                break
            last = self.model.branch(cur, pos, trunk.cache, cut, own)[:, -1]
            best = torch.log_softmax(self.model.logits(last).float(), -1).max(-1)
            cur = best.indices.reshape(-1, 1)
            pos = pos + 1
            chosen.append(cur[:, 0].tolist())
            total = [t - float(v) for t, v in zip(total, best.values)]
            steps.append(total[:])
            with self._tok_lock:
                open_rows = {j for j in open_rows if _continues(self.tokenizer.id_to_token(chosen[-1][j]), 1)}
        with self._tok_lock:
            pieces = [[self.tokenizer.id_to_token(c[j]) for c in chosen] for j in range(len(rows))]
        out: list[tuple[str, float] | None] = []
        for j, ps in enumerate(pieces):
            word, n = "", 0
            for n, piece in enumerate(ps):
                if not _continues(piece, n):
                    break
                word += piece.replace("▁", " ")
            else:
                n = len(ps)
            out.append((word.strip(), steps[n - 1][j]) if word.strip() else None)
        return out

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
        windows: list[Window] = []
        while start < len(ids):
            ctx_start = max(0, start - self.context)
            chunk = ids[ctx_start: start + body - (start - ctx_start)]
            inp = torch.tensor([[bos] + chunk])
            cache = KVCache(len(self.model.layers)) if len(windows) < MAX_KEPT_WINDOWS else None
            nll, h = self._nll(inp, torch.tensor(chunk), cache)
            windows.append(Window(ctx_start, start, ctx_start + len(chunk), cache, h if cache is not None else None))
            first = start - ctx_start
            for i in range(first, len(chunk)):
                surprisal[ctx_start + i] = float(nll[i])
            if states is not None:
                states[start:ctx_start + len(chunk)] = h[1 + first:].to(torch.float16)
            start = ctx_start + len(chunk)
        with self._tok_lock:
            pieces = [self.tokenizer.id_to_token(i) for i in ids]
        tokens = [TokenScore(s, e, round(v, 4), p) for (s, e), v, p in zip(offsets, surprisal, pieces)]
        return LMOutput(tokens, states.numpy() if states is not None else None, PassState(ids, windows))
