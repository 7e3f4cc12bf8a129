"""`self-reference`: one named entity is both the agent and the target of the same action.

"…with Putin promising to impose unprecedented sanctions on Putin." is fluent, so the LM cannot
see it; the shape "NAME <verb> … <preposition|verb> NAME" inside one clause can.
"""

from __future__ import annotations

import re

from checker.findings import Finding
from checker.names import mentions
from checker.pairs import CALENDAR
from checker.places import is_nationality
from checker.rules.base import Context, Rule, RuleInfo, register

MAX_GAP = 200  # characters between the two mentions; the rule also wants at most 12 words there
TARGET_PREP = {"on", "against", "upon", "at", "toward", "towards", "over"}
CLAUSE_BREAK = re.compile(r"[,;:—–()“”\"]|\b(?:and|but|while|whereas|who|which|after|before|because|although)\b")
RUN_LEFT = re.compile(r"(?<![\w’'-])(?:[A-Z][\w’'-]*[ \t]+)+$")  # capitalised words just before a mention, same line
RUN_RIGHT = re.compile(r"(?:[ \t]+[A-Z][\w’'-]*)+")
GLUED = re.compile(r"[a-z][A-Z]|\n")  # "BiaiHas", a headline run into its body: MT debris, not a clause
NEXT_WORD = re.compile(r"\s*([A-Za-z’']+)")
VERBISH = re.compile(r"^(?:\w+(?:ing|ed|es|s)|said|told|met|hit|sent|put|set|cut|won|lost|beat|sued|fired|urged|"
                     r"will|would|could|may|might|must|can|to)$")


def repeated(text: str, a: int, b: int, words: int = 3) -> bool:
    """The second mention starts the same run of words as the first: a phrase the feed or the MT printed twice
    ("World Declaration on cloth merchants World Declaration on cloth merchants"), not an agent and a target."""
    first = re.findall(r"[\w’']+", text[a:a + 120])[:words]
    return len(first) == words and re.findall(r"[\w’']+", text[b:b + 120])[:words] == first


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
        issue_type="mistranslation", category="semantics",
    ),)

    @staticmethod
    def whole_name(text: str, start: int, end: int) -> tuple[int, int]:
        """The full run of capitalised words a mention belongs to: "Hong Kong", "National Hurricane Center"."""
        left = RUN_LEFT.search(text, max(0, start - 80), start)
        right = RUN_RIGHT.match(text, end)
        return (left.start() if left else start), (right.end() if right else end)

    @staticmethod
    def modifier(text: str, end: int) -> bool:
        """Used as a modifier, not an actor or a target: "African countries", "Hong Kong people", "Iran's force"."""
        if text[end:end + 2] in ("’s", "'s"):
            return True
        nxt = NEXT_WORD.match(text, end)
        word = nxt.group(1) if nxt else ""
        return bool(word) and word[0].islower() and not VERBISH.match(word.lower()) and word.lower() not in (
            *TARGET_PREP, "and", "or", "as", "in", "of", "for", "with", "from", "by", "that", "who", "which", "has",
            "had", "have", "is", "was", "were", "are", "be", "been", "did", "does", "do", "not", "also", "again")

    def run(self, ctx: Context) -> list[Finding]:
        text = ctx.document.text
        out = []
        for s in ctx.prose:
            ms = mentions(text, [(s.id, s.start, s.end)])
            for i, a in enumerate(ms):
                for b in ms[i + 1:]:
                    if b.start - a.end > MAX_GAP:
                        break  # mentions are in text order: the rest are further away (keeps this linear)
                    if a.text != b.text or is_nationality(a.text) or a.text in CALENDAR:
                        continue  # "African countries … African problems": a people, not one actor; "July 25 … July 26"
                    wa, wb = self.whole_name(text, a.start, a.end), self.whole_name(text, b.start, b.end)
                    if text[wa[0]:wa[1]] != text[wb[0]:wb[1]] or wa[1] >= wb[0]:
                        continue  # "Hurricane Center" … "Hurricane Hannah": two names; one run: one name
                    if self.modifier(text, wa[1]) or self.modifier(text, wb[1]):
                        continue
                    between = text[wa[1]:wb[0]]
                    if GLUED.search(between) or repeated(text, wa[0], wb[0]):
                        continue
                    words = re.findall(r"[\w’']+", between.lower())
                    if not words or len(words) > 12 or CLAUSE_BREAK.search(between):
                        continue
                    has_verb = any(VERBISH.match(w) for w in words[:3])
                    target = words[-1] in TARGET_PREP or (len(words) >= 1 and VERBISH.match(words[-1]) is not None
                                                           and words[-1] not in ("to", "will", "would"))
                    if has_verb and target:
                        out.append(Finding(
                            self.id, self.infos[0].default_severity,
                            f"“{text[wa[0]:wa[1]]}” is both the one acting and the target in "
                            f"“{text[wa[0]:wb[1]]}”; a name was probably mistranslated.",
                            [s.id], wa[0], wb[1], 0.9, spans=[wa, wb], data={"name": text[wa[0]:wa[1]]}))
        return out
