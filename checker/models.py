"""The model container: which typed parts exist, how each is loaded (on first use, once per process), and the
checks that tie parts together (a garble model must read the LM it was trained on).

Parts are named in `PARTS` with the import path of their loader, so this module imports no implementation (and
no torch) until a part is really needed. A new garble scorer is a class registered in `checker.garble` and named
in its model file; a new kind of part is one `PartSpec` here and one protocol in `checker.parts`.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from checker.errors import CheckerError
from checker.findings import ModelRef
from checker.modelstore import ModelError
from checker.parts import LM, NLI, Adequacy, GarbleScorer, SentenceEncoder


@dataclass(frozen=True)
class PartSpec:
    """One kind of model part: its name in reports and signatures, and `module:function` loading it (threads)."""

    name: str
    loader: str
    protocol: type

    def load(self, threads: int | None) -> Any:
        module, _, attr = self.loader.partition(":")
        return getattr(importlib.import_module(module), attr)(threads)


PARTS: dict[str, PartSpec] = {spec.name: spec for spec in (
    PartSpec("lm", "checker.lm:load", LM),
    PartSpec("garble", "checker.garble:load", GarbleScorer),
    PartSpec("nli", "checker.nli:load", NLI),
    PartSpec("encoder", "checker.e5:load", SentenceEncoder),  # only when a check is given the original
    PartSpec("adequacy", "checker.bitext.adequacy:load", Adequacy),  # likewise
)}

Loader = Callable[[int | None], Any]
ModelsFactory = Callable[[int | None], "Models"]  # threads → the container a process checks with


class Models:
    """The parts a check uses, each loaded on first use; pass instances to use them instead (tests, fakes)."""

    ORDER = tuple(PARTS)

    def __init__(self, *, lm: LM | None = None, garble: GarbleScorer | None = None, nli: NLI | None = None,
                 encoder: SentenceEncoder | None = None, adequacy: Adequacy | None = None,
                 loaders: dict[str, Loader] | None = None, threads: int | None = None) -> None:
        self._parts: dict[str, Any] = {k: v for k, v in (("lm", lm), ("garble", garble), ("nli", nli),
                                                         ("encoder", encoder), ("adequacy", adequacy)) if v}
        self._loaders: dict[str, Loader] = {**{n: s.load for n, s in PARTS.items()}, **(loaders or {})}
        self._threads = threads
        self._lock = threading.RLock()

    def _get(self, name: str) -> Any:
        part = self._parts.get(name)
        if part is not None:
            return part
        with self._lock:
            if name not in self._parts:
                try:
                    part = self._loaders[name](self._threads)
                except (ModelError, OSError, ValueError, KeyError) as exc:
                    raise CheckerError(f"cannot load models: {exc}") from None
                if name == "garble":
                    check_trained_on(part, self._get("lm"))
                self._parts[name] = part
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

    @property
    def encoder(self) -> SentenceEncoder:
        return self._get("encoder")

    @property
    def adequacy(self) -> Adequacy:
        return self._get("adequacy")

    def load(self, names: Sequence[str]) -> None:
        for n in names:
            self._get(n)

    def refs(self) -> list[ModelRef]:
        """The loaded parts, for reports."""
        return [ModelRef(p.name, p.version, p.sha256) for n in self.ORDER if (p := self._parts.get(n))]


def check_trained_on(garble: Any, lm: Any) -> None:
    """A garble model reads the LM's hidden states: one trained on another LM (or size) would read noise. Its model
    file names the LM (name, GGUF sha256, hidden size); a part that names none (a fake) is not checked."""
    want = getattr(garble, "trained_on", None)
    if not want:
        return
    have = {"name": lm.name, "sha256": lm.sha256, "hidden_size": getattr(lm, "hidden_size", None)}
    diff = [k for k in ("name", "sha256", "hidden_size") if want.get(k) is not None and have[k] is not None
            and want[k] != have[k]]
    if diff:
        raise CheckerError(f"cannot load models: the garble model {garble.name} was trained on "
                           f"{want.get('name')} ({', '.join(f'{k} {want.get(k)}' for k in diff)}), but the LM is "
                           f"{lm.name} ({', '.join(f'{k} {have[k]}' for k in diff)}); run `checker models prepare` "
                           "or install the matching checker")


_DEFAULT: dict[int | None, Models] = {}


def default_models(threads: int | None = None) -> Models:
    """One container per process (per thread setting): models are never loaded twice."""
    if threads not in _DEFAULT:
        _DEFAULT[threads] = Models(threads=threads)
    return _DEFAULT[threads]
