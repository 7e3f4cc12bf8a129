"""The original beside the English: its language, its sentences and the alignment, as the report's `SourceSide`.
The engine's `align` stage calls `read_side` once per source-aware check; rules read the result."""

from __future__ import annotations

from collections.abc import Sequence

from checker.bitext.adequacy import PairText, features
from checker.bitext.align import Link, align
from checker.bitext.language import CJK, detect
from checker.bitext.sentences import split
from checker.findings import SentenceResult, SourceLink, SourceSide
from checker.ingest.base import Document
from checker.parts import Adequacy, SentenceEncoder
from checker.segment import Segment


def read_side(original: Document, english: Sequence[SentenceResult], encoder: SentenceEncoder,
              adequacy: Adequacy | None = None) -> SourceSide:
    """Align `original` with the English sentences; each English sentence learns which source ones it renders and,
    with an adequacy model, how likely it is to carry a Major accuracy error."""
    lang = detect(original.text)
    sentences = split(original.text, lang.code)
    links = align(sentences, english, encoder.embed, source_cjk=lang.code in CJK)
    by_id = {s.id: s for s in english}
    for lk in links:
        for t in lk.target:
            by_id[t].source = sorted({*by_id[t].source, *lk.source})
    if adequacy is not None:
        beads = [lk for lk in links if lk.source and lk.target]
        joiner = "" if lang.code in CJK else " "
        probs = adequacy.predict(features([pair_text(lk, sentences, by_id, joiner, lang.code) for lk in beads],
                                          encoder))
        for lk, p in zip(beads, probs):
            for t in lk.target:
                by_id[t].adequacy = round(p, 4)
    return SourceSide(original.path, original.sha256, original.format, lang.code, lang.name, original.text,
                      sentences, [SourceLink(list(lk.source), list(lk.target), round(float(lk.similarity), 4),
                                             round(float(lk.margin), 4)) for lk in links])


def pair_text(lk: Link, sentences: Sequence[Segment], by_id: dict[int, SentenceResult], joiner: str, language: str
              ) -> PairText:
    """A bead as the adequacy model reads it: both sides joined, its margin, the English's worst garble score."""
    return PairText(joiner.join(sentences[i].text for i in lk.source), " ".join(by_id[t].text for t in lk.target),
                    language, float(lk.margin), max(by_id[t].garble for t in lk.target))
