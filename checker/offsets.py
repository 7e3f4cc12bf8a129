"""Offsets into the original file: a document's plain text maps back through runs of (text_pos, source_pos,
length) recorded at ingest, so a finding anywhere (a report re-read from JSON too) names its line and column."""

from __future__ import annotations

Run = tuple[int, int, int]


def source_offset(runs: list[Run], pos: int) -> int:
    """Map an offset in the plain text back into the source text (`runs` from ingest)."""
    best = 0
    for tpos, spos, length in runs:
        if tpos <= pos < tpos + max(length, 1):
            return spos + (pos - tpos)
        if tpos <= pos:
            best = spos + length
    return best


def line_col(text: str, source: str | None, runs: list[Run], pos: int) -> tuple[int, int]:
    """1-based line and column in the original file (the plain text itself when there was no markup)."""
    src = source if source is not None else text
    off = pos if source is None else source_offset(runs, pos)
    line = src.count("\n", 0, off) + 1
    return line, off - (src.rfind("\n", 0, off) + 1) + 1
