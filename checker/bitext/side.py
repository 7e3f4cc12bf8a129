"""The original beside the English: its language, its sentences and the alignment, as the report's `SourceSide`.
The engine's `align` stage calls `read_side` once per source-aware check; rules read the result."""

from __future__ import annotations

from collections.abc import Sequence

from checker.bitext.align import align
from checker.bitext.language import CJK, detect
from checker.bitext.sentences import split
from checker.findings import SentenceResult, SourceLink, SourceSide
from checker.ingest.base import Document
from checker.parts import SentenceEncoder


def read_side(original: Document, english: Sequence[SentenceResult], encoder: SentenceEncoder) -> SourceSide:
    """Align `original` with the English sentences; each English sentence learns which source ones it renders."""
    lang = detect(original.text)
    sentences = split(original.text, lang.code)
    links = align(sentences, english, encoder.embed, source_cjk=lang.code in CJK)
    by_id = {s.id: s for s in english}
    for lk in links:
        for t in lk.target:
            by_id[t].source = sorted({*by_id[t].source, *lk.source})
    return SourceSide(original.path, original.sha256, original.format, lang.code, lang.name, original.text,
                      sentences, [SourceLink(list(lk.source), list(lk.target), round(float(lk.similarity), 4),
                                             round(float(lk.margin), 4)) for lk in links])
