"""`garbled`: a sentence the LM finds unlikely English, scored by the garble model."""

from __future__ import annotations

from checker.findings import Finding
from checker.rules import Context, Rule, register

LOCAL = {"max3_adj", "max5_adj", "max_adj"}


def reason(text: str, span: tuple[int, int] | None, contributions: dict[str, float], score: float) -> str:
    """Say in an editor's words why the sentence stands out."""
    top = max(contributions, key=contributions.__getitem__) if contributions else ""
    quoted = f"“{text[span[0]:span[1]].strip()}”" if span else ""
    if top in LOCAL and quoted:
        why = f"{quoted} is very unlikely English here"
    elif top in {"z_mean", "z_slor"}:
        why = "reads far less naturally than the rest of the article" + (f"; worst part {quoted}" if quoted else "")
    elif top == "log_len":
        why = "a short fragment that does not read as a sentence" + (f" ({quoted})" if quoted else "")
    else:
        why = "the sentence as a whole is unlikely English" + (f"; worst part {quoted}" if quoted else "")
    return f"Possibly garbled translation: {why} (garble score {score:.2f})."


@register
class Garbled(Rule):
    id = "garbled"
    default_severity = "error"
    needs = ("garble",)
    summary = "Sentence reads as broken or machine-garbled English."
    explanation = (
        "Every sentence is scored in context by a causal language model (Gemma 3 270M). Token surprisal is "
        "turned into features (mean, worst short window with names and numbers discounted by their word "
        "frequency, standing against the rest of the article) and a logistic model fitted on human MQM "
        "annotations of machine translation gives a garble probability. At or above the threshold the "
        "sentence is an error; in the band below it, a warning. The rule sees only English: a fluent "
        "mistranslation with a plausible meaning passes."
    )

    def run(self, ctx: Context) -> list[Finding]:
        model = ctx.models["garble"]
        threshold = ctx.options.get("threshold", model.threshold)
        warning = min(ctx.options.get("warning", model.warning), threshold)
        out = []
        for s in ctx.prose:
            if s.garble < warning:
                continue
            sev = "error" if s.garble >= threshold else "warning"
            msg = reason(ctx.document.text, s.span, model.contributions(s.features), s.garble)
            start, end = s.span or (s.start, s.end)
            out.append(Finding(self.id, sev, msg, [s.id], start, end, s.garble))
        return out
