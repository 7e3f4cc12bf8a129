"""Markdown articles: headings, paragraphs, list items and quotes; code blocks and link targets dropped."""

from __future__ import annotations

import re

from checker.ingest.base import Document, TextBuilder, decode, register, sha256_bytes
from checker.ingest.suppress import SuppressionTracker

COMMENT_RE = re.compile(r"<!--(.*?)-->", re.S)
INLINE = [(re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"), (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
          (re.compile(r"(?<![\w*])([*_])(?!\s)(.+?)(?<!\s)\1(?![\w*])"), r"\2"), (re.compile(r"`([^`]*)`"), r"\1")]
BLOCK_PREFIX = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)")
FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)


def _plain(line: str) -> str:
    for pat, rep in INLINE:
        line = pat.sub(rep, line)
    return line


@register("markdown", label="Markdown", suffixes=(".md", ".markdown"),
          media_types=("text/markdown", "text/x-markdown"))
def read_markdown(data: bytes, path: str) -> Document:
    source = decode(data)
    b = TextBuilder(source)
    tracker = SuppressionTracker()
    in_code = False
    pos = 0
    fm = FRONT_MATTER.match(source)
    meta: dict[str, str] = {}
    if fm:
        for line in fm.group().splitlines()[1:-1]:
            if ":" in line:
                k, v = line.split(":", 1)
                meta[k.strip().lower()] = v.strip().strip("\"'")
        pos = fm.end()
    para_open = False
    for line in source[pos:].splitlines(keepends=True):
        start = pos
        pos += len(line)
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_code = not in_code
            continue
        if in_code:
            continue
        comments = COMMENT_RE.findall(stripped)
        for c in comments:
            tracker.comment(c, b.length)
        body = COMMENT_RE.sub("", line).rstrip("\n")
        if not body.strip():
            if para_open:
                b.paragraph()
                para_open = False
            continue
        is_block_start = bool(re.match(r"^\s{0,3}(#{1,6}\s|[-*+]\s|\d+[.)]\s)", body))
        if is_block_start and para_open:
            b.paragraph()
        prefix = BLOCK_PREFIX.match(body)
        content = body[prefix.end():] if prefix else body
        text = " ".join(_plain(content).split())
        if not text:
            continue
        b.cursor = start
        if para_open and not is_block_start:
            b.add(" ", None)  # a soft line break inside a paragraph
        first = b.length
        b.add_text(text)
        tracker.block(first, b.length)
        para_open = True
        if body.lstrip().startswith("#"):
            b.paragraph()
            para_open = False
    return Document(b.text.rstrip("\n"), path, sha256_bytes(data), "markdown", meta, source, b.runs,
                    tracker.suppressions)
