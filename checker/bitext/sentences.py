"""The original's paragraphs and sentences, with offsets into its text: full-width sentence ends for Chinese and
Japanese, `pysbd` (the Pragmatic Segmenter's rules, per language) for the rest. A short line without a sentence end
is a heading, as on the English side."""

from __future__ import annotations

import re
import threading
from functools import cache

from checker.bitext.language import CJK
from checker.segment import Segment

LINE_RE = re.compile(r"[^\r\n]*\S[^\r\n]*")
CJK_SENTENCE_RE = re.compile(r".+?(?:[。！？!?…]+(?:\s*[”’」』）)\"'】])*|$)", re.S)
TERMINAL = ("。", "！", "？", ".", "!", "?", "…", "”", "」", "』", "\"", "'", "）", ")")
HEADING_MAX = 40  # characters (CJK) or 14 words: a longer line is prose even without a full stop
_LOCK = threading.Lock()


@cache
def _pysbd(code: str):
    import pysbd  # noqa: PLC0415 - only when an original in a spaced script is given
    from pysbd.languages import LANGUAGE_CODES  # noqa: PLC0415

    return pysbd.Segmenter(language=code if code in LANGUAGE_CODES else "en", clean=False, char_span=True)


def _heading(line: str, cjk: bool) -> bool:
    s = line.strip()
    if s.endswith(TERMINAL) or s.endswith((",", "，", "、", ":", "：", ";", "；")):
        return False
    return len(s) <= HEADING_MAX if cjk else len(s.split()) <= 14


def _spans(line: str, code: str) -> list[tuple[int, int]]:
    if code in CJK or not code.isalpha():
        found = [(m.start(), m.end()) for m in CJK_SENTENCE_RE.finditer(line) if m.group().strip()]
    else:
        with _LOCK:
            found = [(s.start, s.end) for s in _pysbd(code).segment(line)]
    out: list[tuple[int, int]] = []
    for a, b in found:  # a piece with no letter (a stray closing quote) belongs to the sentence before it
        if out and not any(ch.isalnum() for ch in line[a:b]):
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def split(text: str, code: str) -> list[Segment]:
    """Every non-blank line a paragraph (wire originals carry one per line), cut into sentences."""
    out: list[Segment] = []
    for para, m in enumerate(LINE_RE.finditer(text)):
        line = m.group()
        if _heading(line, code in CJK):
            a = m.start() + len(line) - len(line.lstrip())
            out.append(Segment(len(out), a, m.start() + len(line.rstrip()), line.strip(), "heading", para))
            continue
        for a, b in _spans(line, code):
            piece = line[a:b]
            lead, trail = len(piece) - len(piece.lstrip()), len(piece) - len(piece.rstrip())
            if piece.strip():
                s, e = m.start() + a + lead, m.start() + b - trail
                out.append(Segment(len(out), s, e, text[s:e], "sentence", para))
    return out
