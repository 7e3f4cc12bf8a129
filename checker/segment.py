"""Segment: paragraphs, then headings / datelines / credit lines / sentences, with offsets.

Headings, datelines and credits carry no prose to judge: the LM still reads them as context,
but no garble finding is made on them.

Paragraphs are separated by blank lines, and also by a single line break where the line before is complete:
much wire copy (and every MQM document) has one paragraph per line, and a headline line must not merge with
the lead below it. Hard-wrapped lines, which end mid-sentence, are still joined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("sentence", "heading", "dateline", "credit")
# bump whenever a change can move a sentence boundary (2: a line break after a complete line ends a paragraph;
# 3: CRLF and CR read as line ends, runs over MAX_SENTENCE characters cut; 4: a "date YYYY-MM-DD" line is its own
# paragraph even without a blank line after it)
SEGMENTER_VERSION = "4"

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
# a block of non-blank lines; CRLF and CR line ends read as LF (offsets stay those of the original text)
PARA_RE = re.compile(r"\S(?:[^\r\n]*\S)?(?:(?:\r\n|\r|\n)[ \t]*\S[^\r\n]*)*")
MAX_SENTENCE = 1500  # characters: a longer unpunctuated run is cut (at a space) into pieces of this size


@dataclass
class Segment:
    id: int
    start: int
    end: int
    text: str
    kind: str
    paragraph: int
    cut: bool = False  # a piece of a run with no sentence end in MAX_SENTENCE characters


TERMINAL = (".", "!", "?", "…")
# a hard-wrapped line often ends on one of these; a headline almost never does
DANGLING = {"a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "with", "from", "and", "or", "but", "as",
            "that", "which", "who", "is", "are", "was", "were", "be", "has", "have", "had", "its", "their", "his",
            "her", "this", "these", "those", "said", "says", "not", "into", "over", "than", "after", "before"}
WRAP_MAX = 100  # hard-wrapped copy is narrower than this; one-paragraph-per-line copy has longer lines
LINE_RE = re.compile(r"[^\r\n]*\S[^\r\n]*")


def _complete(line: str) -> bool:
    return line.rstrip(CLOSE_QUOTES + " \t").endswith(TERMINAL)


def _heading_like(line: str, max_words: int = 20) -> bool:
    words = line.split()
    if not words or len(words) > max_words:
        return False
    stripped = line.rstrip(CLOSE_QUOTES + " \t")
    if stripped.endswith((*TERMINAL, ":", ";", ",", "-", "—", "–")):
        return False
    return words[-1].strip(CLOSE_QUOTES).lower() not in DANGLING and any(w[0].isupper() for w in words)


def _starts_new(line: str) -> bool:
    head = line.lstrip()
    head = head[1:] if head[:1] and head[0] in OPEN_QUOTES else head
    return bool(head) and (head[0].isupper() or head[0].isdigit())


def _is_heading(block: str, max_words: int = 14) -> bool:
    if "\n" in block or "\r" in block:
        return False
    return _heading_like(block, max_words) or (
        len(block.split()) <= max_words and not block.rstrip(CLOSE_QUOTES + " ").endswith((*TERMINAL, ":", ";", ",")))


def _paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split one blank-line block at single line breaks after a complete line (a sentence or a headline).

    A break is a hard wrap, never a paragraph end, when the next line's first word would not have fitted on
    the line within the block's width (its longest line, if that is at most WRAP_MAX characters).
    """
    lines = [(m.start(), m.end()) for m in LINE_RE.finditer(text, start, end)]
    if len(lines) < 2:
        return [(start, end)]
    texts = [text[a:b].rstrip() for a, b in lines]
    width = max(len(t) for t in texts)
    out, cur = [], lines[0][0]
    for i in range(len(lines) - 1):
        if any(DATELINE_RE.match(t) for t in (texts[i], texts[i + 1])):
            out.append((cur, lines[i][1]))  # "date 2022-01-30" on its own line is never part of a sentence
            cur = lines[i + 1][0]
            continue
        nxt = texts[i + 1].split(None, 1)[0] if texts[i + 1].split() else ""
        wrapped = width <= WRAP_MAX and len(texts[i]) + 1 + len(nxt) > width
        if wrapped or not _starts_new(texts[i + 1]):
            continue
        if _complete(texts[i]) or _heading_like(texts[i]):
            out.append((cur, lines[i][1]))
            cur = lines[i + 1][0]
    out.append((cur, end))
    trimmed = []
    for a, b in out:
        while b > a and text[b - 1].isspace():
            b -= 1
        trimmed.append((a, b))
    return trimmed


def _sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int, bool]]:
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
    return [(x, y, len(pieces) > 1) for a, b in spans for pieces in [_cap(text, a, b)] for x, y in pieces]


def _cap(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut an overlong run (no sentence end in MAX_SENTENCE characters) at spaces: every later stage stays
    linear in the input, and each piece is judged on its own."""
    out = []
    while end - start > MAX_SENTENCE:
        cut = text.rfind(" ", start + MAX_SENTENCE // 2, start + MAX_SENTENCE)
        cut = cut if cut > start else start + MAX_SENTENCE
        out.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        out.append((start, end))
    return out


def segment(text: str) -> list[Segment]:
    segments: list[Segment] = []
    p_index = 0
    for block in PARA_RE.finditer(text):
        for a, b in _paragraphs(text, block.start(), block.end()):
            para = text[a:b]
            if DATELINE_RE.match(para):
                kinds = [("dateline", a, b, False)]
            elif CREDIT_RE.match(para):
                kinds = [("credit", a, b, False)]
            elif _is_heading(para, 20 if not segments else 14):  # the first line may be a long headline
                kinds = [("heading", a, b, False)]
            else:
                kinds = [("sentence", s, e, cut) for s, e, cut in _sentence_spans(text, a, b)]
            for kind, s, e, cut in kinds:
                segments.append(Segment(len(segments), s, e, text[s:e], kind, p_index, cut))
            p_index += 1
    return segments
