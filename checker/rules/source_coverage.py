"""`source-omission` and `source-addition`: a sentence of the original that no English sentence renders, and an
English sentence that renders nothing of the original."""

from __future__ import annotations

from checker.findings import Finding
from checker.rules.base import Context, Rule, RuleInfo, register

MIN_SOURCE_CHARS = {"zh": 8, "ja": 10}  # shorter source sentences ("图片来源：新华社") are not worth a finding
MIN_SOURCE_WORDS = 4
MIN_ENGLISH_WORDS = 5
COMPLETE = 0.6  # an original whose alignment covers this share of the English prose is the whole article


@register
class SourceCoverage(Rule):
    needs = ("encoder",)  # through the alignment; loaded only when a check is given the original
    infos = (
        RuleInfo(
            "source-omission", "Left out of the translation", "warning",
            "A sentence of the original has no counterpart in the English.",
            (
                "Source-aware. The original's sentences are aligned with the English ones (a multilingual "
                "sentence encoder, each pair scored by its margin over its nearest neighbours; merged, split and "
                "moved sentences allowed). A source sentence no English sentence renders is reported at the place "
                "its English would stand, with the source text. Very short source lines (a photo credit) are "
                "left alone."
            ),
        issue_type="omission", category="semantics",
    ),
        RuleInfo(
            "source-addition", "Not in the original", "warning",
            "An English sentence renders no sentence of the original.",
            (
                "Source-aware. An English prose sentence that the alignment pairs with no source sentence: added "
                "by the translator or the MT system, or so far from its source that it no longer reads as its "
                "translation. Headings, datelines and credit lines are left alone. When the original covers less "
                "than 60 % of the English (an excerpt), only sentences inside the paragraphs it covers are "
                "reported."
            ),
        issue_type="addition", category="semantics",
    ),
    )

    def run(self, ctx: Context) -> list[Finding]:
        side = ctx.original
        if side is None:
            return []
        out: list[Finding] = []
        prose = [s for s in ctx.sentences if s.kind == "sentence"]
        linked = {t for lk in side.links if lk.source for t in lk.target}
        whole = bool(prose) and sum(s.id in linked for s in prose) >= COMPLETE * len(prose)
        # an excerpt (a desk often has the original of a few paragraphs): additions only inside its paragraphs
        covered = {ctx.sentences[t].paragraph for t in linked}
        prev_target: int | None = None
        for lk in side.links:
            if lk.target:
                prev_target = max(lk.target)
            if lk.source and not lk.target and self._worth(side.language, side.joined(lk.source)):
                anchor = ctx.sentences[prev_target] if prev_target is not None else ctx.sentences[0]
                at = anchor.end if prev_target is not None else anchor.start
                out.append(Finding("source-omission", self.infos[0].default_severity,
                                   "This source sentence has no English counterpart here: was it left out?",
                                   [anchor.id], at, at, 0.7, data=side.quote(lk.source)))
            if lk.target and not lk.source:
                for t in lk.target:
                    s = ctx.sentences[t]
                    if s.kind == "sentence" and len(s.text.split()) >= MIN_ENGLISH_WORDS and (
                            whole or s.paragraph in covered):
                        out.append(Finding("source-addition", self.infos[1].default_severity,
                                           "No sentence of the original says this: added, or translated too "
                                           "freely to recognise?", [t], s.start, s.end, 0.6))
        return out

    @staticmethod
    def _worth(language: str, text: str) -> bool:
        if language in MIN_SOURCE_CHARS:
            return len(text.strip()) >= MIN_SOURCE_CHARS[language]
        return len(text.split()) >= MIN_SOURCE_WORDS
