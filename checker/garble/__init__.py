"""Garble scorers: `GarbleScorer` implementations, chosen by the `class` named in the model file.

- `logistic-surprisal` (0.1, `logistic.py`): a monotone logistic model over sentence surprisal features;
- `token-tagger` (0.2 onwards, the shipped one, `tagger.py`): token heads over the LM's hidden states and
  surprisal, trained on expert MQM error spans and generated breaks (3.3: with the context head of `context.py`),
  pooled into a sentence probability; it underlines the words it marks.

A new scorer is one module with a class decorated `@register_scorer("name")`, one import below, and a model file
whose `class` names it. A model file names the LM it was trained on (`lm`: name, sha256, hidden size);
`checker.models` checks it against the loaded LM.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from checker.garble import logistic as _logistic  # registration: one import per scorer module
from checker.garble import tagger as _tagger
from checker.garble.base import SCORERS, register_scorer, whole_words
from checker.garble.tagger import (
    POOLED,
    TokenTaggerScorer,
    arrays,
    in_context,
    off_topic,
    pooled_features,
    token_features,
)
from checker.modelstore import garble_path
from checker.parts import GarbleScorer

__all__ = ["POOLED", "SCORERS", "TokenTaggerScorer", "arrays", "in_context", "load", "load_garble", "off_topic",
           "pooled_features", "register_scorer", "token_features", "whole_words"]
_SCORER_MODULES = (_logistic, _tagger)


def load(threads: int | None = None) -> GarbleScorer:
    """The shipped garble model (the part loader `checker.models` names)."""
    return load_garble()


def load_garble(path: Path | None = None) -> GarbleScorer:
    """Read the model file once: the same bytes give the spec and the sha256 in reports."""
    path = path or garble_path()
    raw = path.read_bytes()
    spec = json.loads(raw)
    spec["__dir__"] = str(path.parent)
    kind = spec.get("class", "logistic-surprisal")
    if kind not in SCORERS:
        raise ValueError(f"unknown garble scorer class {kind!r} (known: {', '.join(sorted(SCORERS))})")
    return SCORERS[kind](spec, hashlib.sha256(raw).hexdigest())
