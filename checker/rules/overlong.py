"""`overlong-sentence`: a run of text with no sentence end for so long that checker cut it into pieces."""

from __future__ import annotations

from checker.findings import Finding
from checker.rules.base import Context, Rule, RuleInfo, register
from checker.segment import MAX_SENTENCE


@register
class Overlong(Rule):
    infos = (RuleInfo(
        "overlong-sentence", "Overlong sentence", "info",
        f"Text runs on for more than {MAX_SENTENCE:,} characters without a sentence end.",
        (
            f"A run with no full stop, question or exclamation mark in {MAX_SENTENCE:,} characters is usually "
            "lost punctuation or a conversion fault, not prose. checker cuts it at spaces into pieces of at most "
            f"{MAX_SENTENCE:,} characters and judges each piece on its own, so that every check stays linear in "
            "the input; this note marks where that happened."
        ),
        issue_type="style", category="style",
    ),)

    def run(self, ctx: Context) -> list[Finding]:
        out: list[Finding] = []
        run: list[int] = []
        pieces = [s for s in ctx.sentences if s.cut]
        for s in pieces:
            if run and s.id != run[-1] + 1:
                out.append(self._finding(ctx, run))
                run = []
            run.append(s.id)
        if run:
            out.append(self._finding(ctx, run))
        return out

    def _finding(self, ctx: Context, ids: list[int]) -> Finding:
        first, last = ctx.sentences[ids[0]], ctx.sentences[ids[-1]]
        n = last.end - first.start
        return Finding(self.id, self.infos[0].default_severity,
                       f"{n:,} characters without a sentence end: checked in {len(ids)} pieces; "
                       "is punctuation missing?", ids, first.start, first.start + min(80, len(first.text)), 1.0)
