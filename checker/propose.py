"""Name proposals: the words the LM expects at a position of a scored text instead of the one written, read in
the context the LM pass read it (its cached keys), so `name-suspect` asks "Kuleva?" where the pass read it.

Kept apart from the scoring pass (`checker.lm`): the pass is every check's cost; this decoder runs only for the
few names a rule asks about.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import torch

from checker.gemma import KVCache
from checker.lmpass import PassState, Window
from checker.parts import LMOutput

if TYPE_CHECKING:
    from checker.lm import LanguageModel


def _continues(piece: str, n: int) -> bool:
    """Whether the n-th piece of a proposed word belongs to it: letters (or hyphens), and after the first piece no
    word boundary. `propose` reads words by this rule and stops decoding once no row's word can go on."""
    text = piece.replace("▁", " ")
    return (n == 0 or not text.startswith(" ")) and text.strip().replace("-", "").isalpha()



class ProposalDecoder:
    """Greedy word completion on a loaded `LanguageModel` (its weights, tokenizer and tokenizer lock)."""

    def __init__(self, lm: LanguageModel) -> None:
        self.lm = lm

    def _trunk(self, state: PassState, w: int, upto: int) -> Window:
        """Window `w` of the pass with its keys and values: kept by `score`, or computed again up to sequence
        position `upto` (past the first MAX_KEPT_WINDOWS windows of a very long text)."""
        win = state.windows[w]
        if win.cache is not None and win.states is not None:
            return win
        cache = KVCache(len(self.lm.model.layers))
        states = self.lm.model.forward(torch.tensor([[self.lm.bos_id] + state.ids[win.ctx_start:win.ctx_start + upto]]),
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
        first = torch.log_softmax(self.lm.model.logits(before).float(), -1).topk(alternatives)
        rows: list[tuple[int, int, float]] = []  # (position index, first token, its log-probability)
        asked = 0
        with self.lm._tok_lock:
            for k in range(len(positions)):
                kept = [(int(t), float(v)) for t, v in zip(first.indices[k], first.values[k])
                        if keep is None or keep(k, self.lm.tokenizer.id_to_token(int(t)))]
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
        own = KVCache(len(self.lm.model.layers))
        chosen = [cur[:, 0].tolist()]
        total = [-v for _, _, v in rows]
        steps = [total[:]]  # cumulative surprisal after each piece
        with self.lm._tok_lock:
            open_rows = {j for j, t in enumerate(chosen[0]) if _continues(self.lm.tokenizer.id_to_token(t), 0)}
        for _ in range(max_new_tokens - 1):
            if not open_rows:  # every row's word has ended: further steps could not change any answer
                break
            last = self.lm.model.branch(cur, pos, trunk.cache, cut, own)[:, -1]
            best = torch.log_softmax(self.lm.model.logits(last).float(), -1).max(-1)
            cur = best.indices.reshape(-1, 1)
            pos = pos + 1
            chosen.append(cur[:, 0].tolist())
            total = [t - float(v) for t, v in zip(total, best.values)]
            steps.append(total[:])
            with self.lm._tok_lock:
                open_rows = {j for j in open_rows if _continues(self.lm.tokenizer.id_to_token(chosen[-1][j]), 1)}
        with self.lm._tok_lock:
            pieces = [[self.lm.tokenizer.id_to_token(c[j]) for c in chosen] for j in range(len(rows))]
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
