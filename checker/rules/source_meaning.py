"""`source-meaning`: an aligned pair whose meaning likely differs — the adequacy model's probability of a Major
accuracy error at or above its calibrated point."""

from __future__ import annotations

from typing import Any

from checker.findings import Finding
from checker.rules.base import Context, Rule, RuleInfo, register


@register
class SourceMeaning(Rule):
    needs = ("encoder", "adequacy")  # loaded only when a check is given the original
    infos = (RuleInfo(
        "source-meaning", "Meaning may differ from the source", "warning",
        "The English of an aligned pair likely says something other than its source.",
        (
            "Source-aware. Each aligned pair gets `adequacy`: the probability that the English carries a Major "
            "accuracy error (a mistranslation, an omission or an addition an expert would mark), from a small "
            "model over how close the two sentences' vectors are, how well each side's words find a counterpart "
            "on the other, the length ratio, figures left over and the English-only garble score. The model was "
            "trained on expert-labelled zh→en news (WMT 2020/2021 MQM) and its point chosen so that at most 4 % "
            "of sentences every rater passed are reported; it is never a raw similarity. Other language pairs use "
            "the same model: read its findings as a prompt to compare, not a verdict."
        ),
        issue_type="mistranslation", category="semantics",
    ),)

    def signature(self, settings, models) -> dict[str, Any]:
        return {}  # the point lives in the adequacy model, whose sha256 the signature records with a source

    def run(self, ctx: Context) -> list[Finding]:
        side = ctx.original
        if side is None or ctx.models is None:
            return []
        point = ctx.models.adequacy.warning
        out = []
        for lk in side.links:
            if not (lk.source and lk.target):
                continue
            probs = [ctx.sentences[t].adequacy for t in lk.target if ctx.sentences[t].adequacy is not None]
            if not probs or max(probs) < point:
                continue
            first, last = ctx.sentences[lk.target[0]], ctx.sentences[lk.target[-1]]
            out.append(Finding(self.id, self.infos[0].default_severity,
                               f"The English may not say what the source says (adequacy {max(probs):.2f}): compare "
                               "it with the original.", list(lk.target), first.start, last.end, max(probs),
                               data=side.quote(lk.source)))
        return out
