"""Segment: paragraphs, then headings / datelines / credit lines / sentences, with offsets.

Headings, datelines and credits carry no prose to judge: the LM still reads them as context,
but no garble finding is made on them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("sentence", "heading", "dateline", "credit")
SEGMENTER_VERSION = "1"  # bump whenever a change can move a sentence boundary

ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "gen", "col", "lt", "sgt", "capt", "cmdr", "adm",
    "gov", "sen", "rep", "pres", "rev", "hon", "u.s", "u.k", "u.n", "e.u", "u.s.a", "no", "vs", "etc",
    "e.g", "i.e", "inc", "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "approx", "dept", "est", "fig", "mt", "ft", "d.c", "a.m", "p.m",
}
OPEN_QUOTES = "\"'“‘«(["
CLOSE_QUOTES = "\"'”’»)]"
DATELINE_RE = re.compile(r"^\s*(?:date[:\s]+\d{4}-\d{2}-\d{2}|\d{4}-\d{2}-\d{2}(?:[T ][\d:]+)?)\s*$", re.I)
CREDIT_RE = re.compile(r"^\s*\(\s*[A-Za-z][\w .&/-]{0,30}\)\s*$|^\s*(?:By|Reporting by|Editing by)\s+[A-Z].{0,80}$")
# terminal punctuation, then closing quotes/brackets, then space and a sentence start
BOUNDARY_RE = re.compile(r"([.!?…]+)([" + re.escape(CLOSE_QUOTES) + r"]*)(\s+)(?=[" + re.escape(OPEN_QUOTES) +
                         r"]?[A-Z0-9])")
PARA_RE = re.compile(r"\S(?:.*\S)?(?:\n[ \t]*\S.*)*", re.M)


@dataclass
class Segment:
    id: int
    start: int
    end: int
    text: str
    kind: str
    paragraph: int


def _is_heading(block: str) -> bool:
    if "\n" in block or len(block.split()) > 14:
        return False
    stripped = block.rstrip(CLOSE_QUOTES + " ")
    return not stripped.endswith((".", "!", "?", "…", ":", ";", ","))


def _sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    cur = start
    for m in BOUNDARY_RE.finditer(text, start, end):
        before = text[cur:m.start(1)]
        word = before.rsplit(None, 1)[-1] if before.split() else ""
        word = word.lstrip(OPEN_QUOTES).lower()
        if m.group(1) == "." and (word in ABBREVIATIONS or re.fullmatch(r"[a-z]", word)
                                  or re.fullmatch(r"(?:[a-z]\.)+[a-z]", word)):
            continue
        stop = m.end(2)
        spans.append((cur, stop))
        cur = m.end(3)
    if cur < end:
        spans.append((cur, end))
    return spans


def segment(text: str) -> list[Segment]:
    segments: list[Segment] = []
    for p_index, para in enumerate(PARA_RE.finditer(text)):
        block = para.group()
        if DATELINE_RE.match(block):
            kinds = [("dateline", para.start(), para.end())]
        elif CREDIT_RE.match(block):
            kinds = [("credit", para.start(), para.end())]
        elif _is_heading(block):
            kinds = [("heading", para.start(), para.end())]
        else:
            kinds = [("sentence", s, e) for s, e in _sentence_spans(text, para.start(), para.end())]
        for kind, s, e in kinds:
            segments.append(Segment(len(segments), s, e, text[s:e], kind, p_index))
    return segments
