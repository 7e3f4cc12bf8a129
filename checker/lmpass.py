"""The record an LM pass leaves behind (`LMOutput.context`): its token ids and, per window, the keys, values and
final states, so a follow-up question (`checker.propose`) reads the text in the context the pass read it."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from checker.gemma import KVCache


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
