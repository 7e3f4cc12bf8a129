"""`source-number`: a figure of the original that its English does not give with the same value, or a figure of
the English the original does not have."""

from __future__ import annotations

from checker.bitext.numbers import Comparison, Figure, compare, english_figures, source_figures
from checker.findings import Finding, SentenceResult, SourceSide
from checker.rules.base import Context, Rule, RuleInfo, register


def pairs(side: SourceSide, sentences: list[SentenceResult]) -> list[tuple[list[int], list[int]]]:
    """Aligned (source ids, English ids) beads whose English is prose or a heading."""
    return [(lk.source, lk.target) for lk in side.links if lk.source and lk.target
            and any(sentences[t].kind in ("sentence", "heading") for t in lk.target)]


def _neighbours(ids: list[int], sentences: list) -> list[int]:
    """The sentences just before and after a bead, in the same paragraph."""
    out = []
    for k in (ids[0] - 1, ids[-1] + 1):
        if 0 <= k < len(sentences) and sentences[k].paragraph == sentences[ids[0]].paragraph:
            out.append(k)
    return out


def _listed(figs: list[Figure], most: int = 3) -> str:
    shown = ", ".join(f"“{f.text}”" for f in figs[:most])
    return shown + (f" and {len(figs) - most} more" if len(figs) > most else "")


@register
class SourceNumber(Rule):
    needs = ("encoder",)  # through the alignment; loaded only when a check is given the original
    infos = (RuleInfo(
        "source-number", "Figure differs from the source", "error",
        "A number, amount, percentage or date of the original is not in its English with the same value.",
        (
            "Source-aware (`checker check story.txt --source original.txt`). Every figure of a source sentence — "
            "digits with the source language's decimal and group marks, Chinese numerals and the 万/亿 scales, "
            "percentages, years, months and days — must appear with the same value in the English sentences "
            "aligned with it (\"12亿\" = \"1.2 billion\"; \"24日\" may be given as a weekday, as wire style does), "
            "and a figure the English writes in digits must have one in the source. A value the English rounds "
            "to the precision it shows counts as the same. A changed figure is an error; a figure only on one "
            "side is a warning (a translator may spell out \"a\" or drop a redundant count)."
        ),
        issue_type="numbers", category="semantics",
    ),)

    def run(self, ctx: Context) -> list[Finding]:
        side = ctx.original
        if side is None:
            return []
        out = []
        for src, tgt in pairs(side, ctx.sentences):
            figs_s = [f for i in src for f in source_figures(side.sentences[i].text, side.language)]
            figs_e: list[tuple[int, Figure]] = [(t, f) for t in tgt for f in english_figures(ctx.sentences[t].text)]
            cmp = compare(figs_s, [f for _, f in figs_e])
            if cmp.missing or cmp.extra:  # a long sentence split unevenly: its figures may sit one sentence over
                near_e = [f for t in _neighbours(tgt, ctx.sentences) for f in english_figures(ctx.sentences[t].text)]
                near_s = [f for i in _neighbours(src, side.sentences) for f in source_figures(side.sentences[i].text,
                                                                                            side.language)]
                left_missing = compare(cmp.missing, near_e).missing if cmp.missing else []
                left_extra = compare(near_s, cmp.extra).extra if cmp.extra else []
                cmp = Comparison(left_missing, [e for e in cmp.extra if e in left_extra])
            if not cmp.missing and not cmp.extra:
                continue
            where = next(((t, f) for t, f in figs_e if f in cmp.extra), None)
            t0 = where[0] if where else tgt[0]
            s = ctx.sentences[t0]
            start, end = (s.start + where[1].start, s.start + where[1].end) if where else (s.start, s.end)
            miss, extra = _listed(cmp.missing), _listed(cmp.extra)
            if miss and extra:
                msg, sev = f"The source says {miss}; the English says {extra}.", "error"
            elif miss:
                msg, sev = f"The source's {miss} is not in the English.", "warning"
            else:
                msg, sev = f"The English's {extra} is not in the source.", "warning"
            spans = [(ctx.sentences[t].start + f.start, ctx.sentences[t].start + f.end)
                     for t, f in figs_e if f in cmp.extra]
            out.append(Finding(self.id, sev, msg, list(tgt), start, end,
                               1.0 if sev == "error" else 0.7, spans=spans,
                               data={**side.quote(src), "missing": [f.text for f in cmp.missing],
                                     "extra": [f.text for f in cmp.extra]}))
        return out
