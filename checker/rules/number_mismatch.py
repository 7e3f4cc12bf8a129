"""`number-mismatch`: the same quantity given two values ("1,150 British troops" … "1,200 British troops")."""

from __future__ import annotations

import re
from collections import defaultdict

from checker.findings import Finding
from checker.rules.base import Context, Rule, RuleInfo, register

NUM_PHRASE = re.compile(
    r"(?<![\w.,-])(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?P<scale>\s+(?:million|billion|thousand|hundred))?"
    r"(?P<unit>\s*%|\s+per\s?cent)?"
    r"\s+(?P<phrase>(?:[A-Za-z][\w-]*\s+){0,2}?(?:[a-z][\w-]*s|people|troops|staff|personnel|police|"
    r"percent|children|aircraft|equipment))\b")
SKIP_WORDS = {"years", "days", "hours", "minutes", "months", "weeks", "times", "seconds"}
STOP = {"of", "the", "a", "an", "more", "than", "some", "about", "around", "nearly", "over", "at", "least",
        "almost", "up", "to", "currently", "already", "new"}


def _value(num: str, scale: str | None) -> float:
    v = float(num.replace(",", ""))
    return v * {"million": 1e6, "billion": 1e9, "thousand": 1e3, "hundred": 1e2}.get((scale or "").strip(), 1)


TAIL_RE = re.compile(r"\s+([a-z]+)\s+([a-z]+)")


def _key(phrase: str, tail: str = "") -> str:
    words = [w for w in phrase.lower().split() if w not in STOP]
    if len(words) == 1 and tail:
        words.append(tail)  # "residents were moved": one noun is too vague, its verb pins it down
    return " ".join(words)


@register
class NumberMismatch(Rule):
    infos = (RuleInfo(
        "number-mismatch", "Number mismatch", "warning",
        "The same quantity is given two different values.",
        (
            "Numbers are read with the noun phrase that follows them (\"1,150 British troops\"; a lone noun keeps "
            "its next two words: \"1,200 residents were moved\"). When one article "
            "gives two different values for the same phrase, one of them is probably wrong. Different phrases "
            "(\"combat troops\" vs \"British troops\") are different quantities and are not compared."
        ),
    ),)

    def run(self, ctx: Context) -> list[Finding]:
        text = ctx.document.text
        seen: dict[str, list[tuple[float, re.Match[str], int]]] = defaultdict(list)
        for s in ctx.prose:
            for m in NUM_PHRASE.finditer(text, s.start, s.end):
                t = TAIL_RE.match(text, m.end(), s.end)
                key = _key(m.group("phrase"), " ".join(t.groups()) if t else "")
                if not key or key.split()[-1] in SKIP_WORDS or 1900 <= float(m.group("num").replace(",", "")) <= 2100:
                    continue
                if len(key.split()) < 2:  # "troops" alone is too vague to compare
                    continue
                seen[key].append((_value(m.group("num"), m.group("scale")), m, s.id))
        out = []
        for key, items in seen.items():
            values = {v for v, _, _ in items}
            if len(values) < 2:
                continue
            first, second = items[0], next(it for it in items if it[0] != items[0][0])
            out.append(Finding(
                self.id, self.infos[0].default_severity,
                f"“{key}” given as {first[1].group('num')} and as {second[1].group('num')}; check which is right.",
                sorted({first[2], second[2]}), first[1].start(), first[1].end(), 0.8,
                spans=[(first[1].start(), first[1].end()), (second[1].start(), second[1].end())],
                data={"phrase": key, "values": sorted(values)}))
        return out
