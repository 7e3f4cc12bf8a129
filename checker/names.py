"""Proper-name mentions with offsets, shared by the consistency rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

CAP_RE = re.compile(r"\b[A-Z][a-zA-Z\u00C0-\u024F]+(?:[-’'][A-Z]?[a-z\u00C0-\u024F]+)*")
POSSESSIVE_RE = re.compile(r"[’']s?$")
DERIVATION_SUFFIXES = ("s", "n", "an", "ian", "ean", "ese", "ish", "i", "ans", "ians", "ern", "ns", "es")
FUNCTION_WORDS = {"The", "A", "An", "In", "On", "At", "To", "For", "And", "But", "Or", "As", "If", "He", "She",
                  "It", "They", "We", "You", "I", "This", "That", "These", "Those", "His", "Her", "Their", "Its",
                  "Since", "After", "Before", "Meanwhile", "Nevertheless", "However", "Faced", "With", "While"}


@dataclass(frozen=True)
class Mention:
    text: str  # the name without a possessive ending
    start: int
    end: int
    sentence: int
    initial: bool  # first word of its sentence


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    from wordfreq import zipf_frequency  # noqa: PLC0415 - 70 ms to import: on first use, not at `checker --help`

    return zipf_frequency(word.lower(), "en")


def mentions(text: str, sentences: list[tuple[int, int, int]]) -> list[Mention]:
    """Capitalised words of prose sentences, given (id, start, end) spans; possessives stripped."""
    out = []
    for sid, start, end in sentences:
        first = True
        for m in CAP_RE.finditer(text, start, end):
            word = POSSESSIVE_RE.sub("", m.group())
            initial = first and text[start:m.start()].strip(" “‘\"'(") == ""
            first = False
            if word in FUNCTION_WORDS or len(word) < 3:
                continue
            out.append(Mention(word, m.start(), m.start() + len(word), sid, initial))
    return out


def is_derivation(a: str, b: str) -> bool:
    """Russia/Russian, Ukraine/Ukrainian, Europe/European: related words, not spelling variants."""
    short, long_ = sorted((a, b), key=len)
    for cut in (0, 1, 2):
        stem = short[: len(short) - cut]
        if len(stem) >= 3 and long_.startswith(stem) and long_[len(stem):] in DERIVATION_SUFFIXES:
            return True
    return False


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
