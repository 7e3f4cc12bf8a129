"""`contradiction` / `conflicting-claims`: two sentences of one article that cannot both be true.

The pairs come from `checker.pairs` (model-free selection, linear in article length); each is read in both
directions by the NLI model, and a pair over the calibrated threshold is reported with the words that clash.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

from checker.attribution import different_sources, source_of
from checker.findings import Finding
from checker.names import zipf
from checker.pairs import (
    NEGATION,
    WORD_RE,
    is_near_copy,
    select_pairs,
    sentence_keys,
    swapped_figure,
    swapped_name,
)
from checker.rules.base import Context, Rule, RuleInfo, RuleOption, register
from checker.settings import Settings

if TYPE_CHECKING:
    from checker.models import Models
    from checker.parts import NLI

CONTRADICTION = 2  # index in the NLI model's [entailment, neutral, contradiction]
# A sentence beside a copy of itself with one word changed ("has" / "does not have", a number, a name): the
# copy restates the claim, so a contradiction is read at this lower threshold. Chosen on `calib` flips and calib
# articles (`python -m checker_dev.flip_eval --split calib`), reported on dev.
NEAR_COPY_THRESHOLD = 0.5


def pair_threshold(a: str, b: str, threshold: float) -> float:
    """What a pair's contradiction probability must reach: the calibrated threshold; a near copy's own, lower one;
    0 for a copy whose only change is a name or a figure (one of the two is wrong whatever the NLI model reads: it
    reads "… in 2015" / "In 2017, …" as neutral). The rule and the evaluations (`checker_dev/flip_eval.py`) decide
    through this one function."""
    if swapped_name(a, b) or swapped_figure(a, b):
        return 0.0
    return min(threshold, NEAR_COPY_THRESHOLD) if is_near_copy(a, b) else threshold


def clash(text: str, a: tuple[int, int], b: tuple[int, int]) -> tuple[list[tuple[int, int]], str]:
    """Where two sentences clash and how, in an editor's words: "“not withdrawn” vs “withdrawn”", "“0” vs
    “100,000”", else the telling words one has and the other lacks. Returns the spans to mark and the phrase."""
    wa = {m.group().lower(): m for m in WORD_RE.finditer(text, *a)}
    wb = {m.group().lower(): m for m in WORD_RE.finditer(text, *b)}

    def only(mine: dict, other: dict) -> list[re.Match[str]]:
        diff = [m for w, m in mine.items() if w not in other and (w in NEGATION or w[0].isdigit() or zipf(w) < 4.5)]
        diff.sort(key=lambda m: (not (m.group()[0].isdigit() or m.group().lower() in NEGATION), zipf(m.group()),
                                 m.start()))
        return diff[:3]

    da, db = only(wa, wb), only(wb, wa)
    spans = sorted((m.start(), m.end()) for m in da + db)
    neg_a = [m for m in da if m.group().lower() in NEGATION]
    neg_b = [m for m in db if m.group().lower() in NEGATION]
    num_a = [m for m in da if m.group()[0].isdigit()]
    num_b = [m for m in db if m.group()[0].isdigit()]

    def phrase(m: re.Match[str], span: tuple[int, int]) -> str:
        """The negation with the word after it: "not withdrawn"."""
        nxt = WORD_RE.search(text, m.end(), span[1])
        return text[m.start():nxt.end()] if nxt else m.group()

    if bool(neg_a) != bool(neg_b):
        neg, span, other_span = (neg_a[0], a, b) if neg_a else (neg_b[0], b, a)
        said = phrase(neg, span)
        bare = said.split(None, 1)[-1]
        hit = next((m for m in WORD_RE.finditer(text, *other_span) if m.group().lower() == bare.lower()), None)
        what = f"“{said}” vs “{hit.group() if hit else bare}”" if neg_a else f"“{bare}” vs “{said}”"
        return spans, ("negated in one, not the other: " + what)
    if num_a and num_b:
        return spans, f"“{num_a[0].group()}” vs “{num_b[0].group()}”"
    words_a = [m for m in da if not m.group()[0].isdigit()]
    words_b = [m for m in db if not m.group()[0].isdigit()]
    if words_a and words_b:
        return spans, f"“{words_a[0].group()}” vs “{words_b[0].group()}”"
    return spans, ""


@register
class Contradiction(Rule):
    infos = (RuleInfo(
        "contradiction", "Contradiction", "error",
        "Two sentences of the article contradict each other.",
        (
            "Sentence pairs that share at least two names, numbers or content words, and a sentence beside a near "
            "copy of itself with a word changed (a negation, a number, an antonym, a date, a name; an identical "
            "repeat is never paired), "
            "are read in both directions by our NLI cross-encoder (MiniLM-L6 fine-tuned on SNLI and news pairs). "
            "When the contradiction probability clears the calibrated threshold (for a near copy: 0.5), the pair is "
            "reported: as "
            "`contradiction` (error) when both claims are the article's own voice or the same source's, and as "
            "`conflicting-claims` (info) when different sources are quoted (\"Moscow says X\", \"NATO says not X\")."
        ),
        (RuleOption("threshold", float, None, "contradiction probability for a finding (default: the NLI model's "
                    "calibration on held-apart news)", (0.0, 1.0)),),
        issue_type="inconsistency", category="semantics",
    ), RuleInfo(
        "conflicting-claims", "Conflicting claims", "info",
        "Two quoted sources make conflicting claims.",
        "A contradiction between claims attributed to different sources (\"Moscow says X\", \"NATO says not X\") "
        "is reporting, not the article contradicting itself; it is shown as a note so the attribution is clear.",
        issue_type="inconsistency", category="semantics",
    ))
    needs = ("nli",)

    def threshold(self, settings: Settings, nli: NLI) -> float:
        """The configured threshold, else the NLI model's calibrated one: the one resolution, for run and signature."""
        given = self.option(settings, "threshold")
        return given if given is not None else nli.threshold

    def signature(self, settings: Settings, models: Models) -> dict[str, Any]:
        threshold = self.threshold(settings, models.nli)
        return {"nli_contradiction": threshold, "nli_near_copy": min(threshold, NEAR_COPY_THRESHOLD)}

    def run(self, ctx: Context) -> list[Finding]:
        assert ctx.models is not None
        nli = ctx.models.nli
        threshold = self.threshold(ctx.settings, nli)
        near = min(threshold, NEAR_COPY_THRESHOLD)  # the score a swapped name is reported with, at least
        prose = ctx.prose
        text = ctx.document.text
        texts = [s.text for s in prose]
        t0 = time.perf_counter()
        pairs = select_pairs(texts, sentence_keys(text, [(s.start, s.end) for s in prose]))
        probs = nli.predict([(texts[a], texts[b]) for a, b in pairs] + [(texts[b], texts[a]) for a, b in pairs])
        ctx.stats["nli"] = {"pairs": len(pairs), "directions": 2 * len(pairs),
                            "seconds": round(time.perf_counter() - t0, 3)}
        out = []
        for k, (a, b) in enumerate(pairs):
            fwd, bwd = probs[k][CONTRADICTION], probs[k + len(pairs)][CONTRADICTION]
            p = max(fwd, bwd)
            needed = pair_threshold(texts[a], texts[b], threshold)
            if p < needed:
                continue
            if needed == 0.0:  # one sentence told twice with another name or figure: one of the two is wrong
                p = max(p, near)
            sa, sb = prose[a], prose[b]
            src_a, src_b = source_of(sa.text), source_of(sb.text)
            spans, what = clash(text, (sa.start, sa.end), (sb.start, sb.end))
            if different_sources(src_a, src_b):
                rule, sev = "conflicting-claims", self.infos[1].default_severity
                msg = (f"Sentences #{sa.id} and #{sb.id} make conflicting claims from different sources "
                       f"({src_a or 'the article'} vs {src_b or 'the article'}); make the attribution clear.")
            else:
                rule, sev = self.id, self.infos[0].default_severity
                msg = (f"Sentence #{sb.id} contradicts sentence #{sa.id}" + (f": {what}" if what else "")
                       + f" (P(contradiction) {p:.2f}).")
            out.append(Finding(rule, sev, msg, [sa.id, sb.id], sa.start, sa.end, p,
                               spans=spans if rule == self.id else [],
                               data={"p_forward": round(fwd, 4), "p_backward": round(bwd, 4),
                                     "sources": [src_a, src_b], **({"clash": what} if what else {})}))
        return out
