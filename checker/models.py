"""Models as typed parts: what the engine needs from an LM, a garble scorer and an NLI model, and one
container that loads each on first use, once per process.

A new garble scorer implements `GarbleScorer` and is named in its model file; nothing else changes.
Fakes of these protocols (tests/fakes.py) let the pipeline, CLI and renderers be tested in milliseconds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from checker.errors import CheckerError
from checker.findings import ModelRef
from checker.segment import Segment
from checker.tokens import TokenScore


@dataclass
class LMOutput:
    """The LM pass over one article: every token's surprisal and, when asked for, its hidden state."""

    tokens: list[TokenScore]
    hidden: Any | None = None  # array (tokens × width), row i = state after reading token i
    context: Any | None = None  # the LM's own record of the pass (its caches), for `LM.propose_at`; not data


@runtime_checkable
class LM(Protocol):
    name: str
    version: str
    sha256: str

    @property
    def dtype_name(self) -> str: ...

    def score(self, text: str, *, hidden: bool = False) -> LMOutput: ...

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

    def score(self, article: ArticleScores) -> list[GarbleVerdict]: ...


@runtime_checkable
class NLI(Protocol):
    name: str
    version: str
    sha256: str
    threshold: float

    def predict(self, pairs: list[tuple[str, str]]) -> list[list[float]]: ...

    def embed(self, sentences: list[str]) -> Any: ...


def _load_lm(threads: int | None) -> LM:
    from checker.lm import LanguageModel
    from checker.modelstore import prepare_lm

    return LanguageModel(prepare_lm(), threads=threads)


def _load_garble(threads: int | None) -> GarbleScorer:
    from checker.garble import load_garble

    return load_garble()


def _load_nli(threads: int | None) -> NLI:
    from checker.nli import NLIModel

    return NLIModel()


Loader = Callable[[int | None], Any]
LOADERS: dict[str, Loader] = {"lm": _load_lm, "garble": _load_garble, "nli": _load_nli}


class Models:
    """The parts a check uses, each loaded on first use; pass instances to use them instead (tests, fakes)."""

    ORDER = ("lm", "garble", "nli")

    def __init__(self, *, lm: LM | None = None, garble: GarbleScorer | None = None, nli: NLI | None = None,
                 loaders: dict[str, Loader] | None = None, threads: int | None = None) -> None:
        self._parts: dict[str, Any] = {k: v for k, v in (("lm", lm), ("garble", garble), ("nli", nli)) if v}
        self._loaders = {**LOADERS, **(loaders or {})}
        self._threads = threads
        self._lock = threading.Lock()

    def _get(self, name: str) -> Any:
        part = self._parts.get(name)
        if part is not None:
            return part
        with self._lock:
            if name not in self._parts:
                from checker.modelstore import ModelError

                try:
                    self._parts[name] = self._loaders[name](self._threads)
                except (ModelError, OSError, ValueError, KeyError) as exc:
                    raise CheckerError(f"cannot load models: {exc}") from exc
            return self._parts[name]

    @property
    def lm(self) -> LM:
        return self._get("lm")

    @property
    def garble(self) -> GarbleScorer:
        return self._get("garble")

    @property
    def nli(self) -> NLI:
        return self._get("nli")

    def loaded(self, name: str) -> bool:
        return name in self._parts

    def load(self, names: Sequence[str]) -> None:
        for n in names:
            self._get(n)

    def refs(self) -> list[ModelRef]:
        """The loaded parts, for reports and signatures."""
        return [ModelRef(p.name, p.version, p.sha256) for n in self.ORDER if (p := self._parts.get(n))]


_DEFAULT: dict[int | None, Models] = {}


def default_models(threads: int | None = None) -> Models:
    """One container per process (per thread setting): models are never loaded twice."""
    if threads not in _DEFAULT:
        _DEFAULT[threads] = Models(threads=threads)
    return _DEFAULT[threads]
