"""What garble scorers share: the registry of scorer classes (named by `class` in a model file) and the
underline's word boundaries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from checker.parts import GarbleScorer

SCORERS: dict[str, Callable[[dict[str, Any], str], GarbleScorer]] = {}


def register_scorer(name: str) -> Callable[[type], type]:
    def deco(cls: type) -> type:
        if name in SCORERS:
            raise ValueError(f"garble scorer class {name} registered twice")
        SCORERS[name] = cls
        return cls

    return deco


class Identified:
    """What every scorer reads from its model file the same way: operating points, name, version, sha256, LM."""

    threshold: float
    warning: float
    name: str
    version: str
    sha256: str
    trained_on: dict[str, Any] | None

    def identify(self, spec: dict[str, Any], sha256: str, default_name: str) -> None:
        self.threshold, self.warning = float(spec["threshold"]), float(spec["warning"])
        self.name, self.version = spec.get("name", default_name), str(spec.get("version", "1"))
        self.sha256, self.trained_on = sha256, trained_on(spec)


def trained_on(spec: dict[str, Any]) -> dict[str, Any] | None:
    """The LM a model file says it was trained on (name, GGUF sha256, hidden size), checked at load."""
    lm = spec.get("lm")
    return dict(lm) if isinstance(lm, dict) else None


def _in_word(text: str, i: int) -> bool:
    """A letter or digit, or an apostrophe between two letters ("You’re", "Russia's"): part of the word."""
    return text[i].isalnum() or (text[i] in "’'" and 0 < i < len(text) - 1 and text[i - 1].isalpha()
                                 and text[i + 1].isalpha())


def whole_words(text: str, start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    """Widen a token window to whole words so the underline never cuts "Kuleva" into "va", nor "You’re" into
    "You" and "re"."""
    while start > lo and _in_word(text, start - 1):
        start -= 1
    while end < hi and _in_word(text, end):
        end += 1
    while end > start and text[end - 1] in " ,;:“”‘’\"'":
        end -= 1
    while start < end and text[start] in "“”‘’\"'( ":
        start += 1
    return start, end
