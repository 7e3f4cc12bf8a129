"""`garbled`: a sentence the LM finds unlikely English, scored by the garble model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from checker.findings import Finding
from checker.rules.base import Context, Rule, RuleInfo, register
from checker.settings import Settings

if TYPE_CHECKING:
    from checker.models import Models
    from checker.parts import GarbleScorer


@register
class Garbled(Rule):
    infos = (RuleInfo(
        "garbled", "Garbled", "error",
        "Sentence reads as broken or machine-garbled English.",
        (
            "Every sentence is scored in context by a causal language model (Gemma 3 270M). The garble scorer "
            "reads the LM pass (token surprisal and hidden states) and gives each sentence a probability of being "
            "broken English, with the words it finds broken: the shipped scorer (garble v3) has two token heads "
            "on the LM's states, one trained on expert MQM error spans in machine-translated news and one on "
            "generated breaks put into clean news in its articles (a repeated word, a dropped verb, a word left "
            "in the source script, a fragment split off its sentence such as \"Send his army.\", judged with the "
            "article around it). At or above the threshold the sentence is "
            "an error; in the band below it, a warning. The underline marks only the words the scorer is "
            "confident about, each with its confidence in the JSON (`data.underline`); a flagged sentence with "
            "no such place says so and underlines nothing. The rule sees only English: a fluent mistranslation "
            "with a plausible meaning passes."
        ),
        issue_type="mistranslation", category="grammar",
    ),)
    needs = ("garble",)

    @staticmethod
    def thresholds(settings: Settings, scorer: GarbleScorer) -> tuple[float, float]:
        """(error, warning): the configured points, else the scorer's own; the warning never above the error."""
        error = settings.threshold if settings.threshold is not None else scorer.threshold
        return error, min(settings.warning if settings.warning is not None else scorer.warning, error)

    def signature(self, settings: Settings, models: Models) -> dict[str, Any]:
        error, warning = self.thresholds(settings, models.garble)
        return {"garble_error": error, "garble_warning": warning}

    def run(self, ctx: Context) -> list[Finding]:
        assert ctx.models is not None
        threshold, warning = self.thresholds(ctx.settings, ctx.models.garble)
        out = []
        for s in ctx.prose:
            if s.garble < warning:
                continue
            sev = "error" if s.garble >= threshold else "warning"
            start, end = s.spans[0] if s.spans else (s.start, s.end)
            msg = f"Possibly garbled translation: {s.reason or 'unlikely English'} (garble score {s.garble:.2f})."
            # the underline with the scorer's confidence in each place (xCOMET-style error spans); an empty list
            # says the scorer found no single place, and the editor's page underlines nothing
            data: dict[str, Any] = {"underline": [
                {"start": a, "end": b, **({"confidence": c} if c is not None else {})}
                for (a, b), c in zip(s.spans, s.span_scores or [None] * len(s.spans))]}
            out.append(Finding(self.id, sev, msg, [s.id], start, end, s.garble,
                               spans=list(s.spans) if len(s.spans) > 1 else [], data=data))
        return out
