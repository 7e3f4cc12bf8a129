"""Token scores as the LM pass produces them; torch-free, so reports and renderers never import torch."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TokenScore:
    """One LM token: character span in the article text, surprisal in nats, and the tokenizer's piece."""

    start: int
    end: int
    surprisal: float
    piece: str = ""
