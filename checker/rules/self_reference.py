"""`self-reference`: one named entity is both the agent and the target of the same action.

"…with Putin promising to impose unprecedented sanctions on Putin." is fluent, so the LM cannot
see it; the shape "NAME <verb> … <preposition|verb> NAME" inside one clause can.
"""

from __future__ import annotations

import re

from checker.findings import Finding
from checker.names import mentions
from checker.rules.base import Context, Rule, RuleInfo, register

MAX_GAP = 200  # characters between the two mentions; the rule also wants at most 12 words there
TARGET_PREP = {"on", "against", "upon", "at", "toward", "towards", "over"}
CLAUSE_BREAK = re.compile(r"[,;:—–()“”\"]|\b(?:and|but|while|whereas|who|which|after|before|because|although)\b")
VERBISH = re.compile(r"^(?:\w+(?:ing|ed|es|s)|said|told|met|hit|sent|put|set|cut|won|lost|beat|sued|fired|urged|"
                     r"will|would|could|may|might|must|can|to)$")


@register
class SelfReference(Rule):
    infos = (RuleInfo(
        "self-reference", "Self-reference", "error",
        "The same person or body acts on itself (often a mistranslated subject or object).",
        (
            "Within one clause, a name that is the subject of an action and then the object or target of that "
            "same action (\"Putin promising to impose sanctions on Putin\") usually means the translation swapped "
            "a name. Reflexive uses with 'himself'/'itself' are not affected."
        ),
    ),)

    def run(self, ctx: Context) -> list[Finding]:
        text = ctx.document.text
        out = []
        for s in ctx.prose:
            ms = mentions(text, [(s.id, s.start, s.end)])
            for i, a in enumerate(ms):
                for b in ms[i + 1:]:
                    if b.start - a.end > MAX_GAP:
                        break  # mentions are in text order: the rest are further away (keeps this linear)
                    if a.text != b.text:
                        continue
                    between = text[a.end:b.start]
                    words = re.findall(r"[\w’']+", between.lower())
                    if not words or len(words) > 12 or CLAUSE_BREAK.search(between):
                        continue
                    if text[a.end:a.end + 2] in ("’s", "'s"):
                        continue  # "Britain’s PM … Britain": possessive, not an agent
                    has_verb = any(VERBISH.match(w) for w in words[:3])
                    target = words[-1] in TARGET_PREP or (len(words) >= 1 and VERBISH.match(words[-1]) is not None
                                                           and words[-1] not in ("to", "will", "would"))
                    if has_verb and target:
                        out.append(Finding(
                            self.id, self.infos[0].default_severity,
                            f"“{a.text}” is both the one acting and the target in “{text[a.start:b.end]}”; "
                            "a name was probably mistranslated.",
                            [s.id], a.start, b.end, 0.9, spans=[(a.start, a.end), (b.start, b.end)],
                            data={"name": a.text}))
        return out
