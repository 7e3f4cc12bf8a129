"""The typed model parts a check uses: what the engine and rules need from an LM, a garble scorer and an NLI
model, and the records that pass between them. A leaf: it imports no implementation (`checker.lm`, `checker.garble`
and `checker.nli` implement these; tests/fakes.py fakes them), so the pipeline and the rules depend on the
protocols, never on torch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from checker.segment import Segment
from checker.tokens import TokenScore


@dataclass
class LMOutput:
    """The LM pass over one article: every token's surprisal and, when asked for, its hidden state."""

    tokens: list[TokenScore]
    hidden: Any | None = None  # array (tokens × width), row i = the final state after reading token i
    context: Any | None = None  # the LM's own record of the pass (its caches), for `LM.propose_at`; not data
    layers: dict[int, Any] = field(default_factory=dict)  # layer k → its normalised states, rows as `hidden`


@runtime_checkable
class LM(Protocol):
    name: str
    version: str
    sha256: str

    @property
    def dtype_name(self) -> str: ...

    def score(self, text: str, *, hidden: bool = False, layers: tuple[int, ...] = ()) -> LMOutput: ...

    def propose_at(self, out: LMOutput, positions: list[int], *, keep: Callable[[int, str], bool] | None = None,
                   limit: int | None = None, alternatives: int = 3, max_new_tokens: int = 6
                   ) -> list[list[tuple[str, float]]]: ...


@dataclass
class GarbleVerdict:
    """One sentence's judgement: a probability, the words to underline and why, in an editor's words."""

    probability: float
    spans: list[tuple[int, int]] = field(default_factory=list)
    reason: str = ""
    features: dict[str, float] = field(default_factory=dict)
    span_scores: list[float] = field(default_factory=list)  # the scorer's confidence in each span, when it has one


@dataclass
class ArticleScores:
    """What a garble scorer reads: the article, its prose sentences and the LM pass."""

    text: str
    sentences: Sequence[Segment]
    lm: LMOutput
    token_index: list[list[int]]  # per sentence, indices into lm.tokens


@runtime_checkable
class GarbleScorer(Protocol):
    name: str
    version: str
    sha256: str
    threshold: float  # error at or above
    warning: float  # warning band starts here
    wants_hidden: bool
    hidden_layers: tuple[int, ...]  # the middle layers whose states it reads, beside the final ones

    def score(self, article: ArticleScores) -> list[GarbleVerdict]: ...


@runtime_checkable
class SentenceEncoder(Protocol):
    """A multilingual sentence encoder: a sentence and its translation land close together."""

    name: str
    version: str
    sha256: str

    def embed(self, texts: list[str]) -> Any: ...  # array (texts × width), unit rows

    def encode(self, texts: list[str]) -> tuple[Any, list[Any], list[list[tuple[int, int]]]]:
        """Unit sentence vectors, each text's token states and the tokens' character spans."""
        ...


@runtime_checkable
class Adequacy(Protocol):
    """P(a Major accuracy error | the source) for aligned pairs, from their features (checker.bitext.adequacy)."""

    name: str
    version: str
    sha256: str
    warning: float  # the calibrated point at which source-meaning reports a pair

    def predict(self, rows: Any) -> list[float]: ...


@runtime_checkable
class NLI(Protocol):
    name: str
    version: str
    sha256: str
    threshold: float

    def predict(self, pairs: list[tuple[str, str]]) -> list[list[float]]: ...
