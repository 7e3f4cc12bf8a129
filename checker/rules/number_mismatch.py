"""`number-mismatch`: the same quantity given two values ("1,150 British troops" … "1,200 British troops").

Two figures are compared only when they describe the same thing at the same time: the same noun phrase, no
range ("67 % to 75 %"), the same kind of qualifier ("about" vs "more than" are different claims), and the same
years, dates and places named in their sentences ("in 2019" vs "in 2022" is a change, not a contradiction).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from checker.findings import Finding
from checker.pairs import different_subjects, subject_names
from checker.rules.base import Context, Rule, RuleInfo, register

NUM_PHRASE = re.compile(
    r"(?<![\w.,-])(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?P<scale>\s+(?:million|billion|thousand|hundred))?"
    r"(?P<unit>\s*%|\s+per\s?cent)?"
    r"\s+(?P<phrase>(?:[A-Za-z][\w-]*\s+){0,2}?(?:[a-z][\w-]*s|people|troops|staff|personnel|police|"
    r"percent|children|aircraft|equipment))\b")
UNITS = {"percent", "per", "cent", "percentage", "points", "square", "kilometers", "kilometres", "km", "meters",
         "metres", "miles", "tons", "tonnes", "acres", "hectares", "mu", "yuan", "dollars", "euros", "pounds", "yen",
         "rubles", "grams", "kilograms", "kg", "liters", "litres", "degrees", "times", "units", "pieces", "us", "hk",
         "rmb", "usd"}
SKIP_WORDS = {"years", "days", "hours", "minutes", "months", "weeks", "times", "seconds"}
STOP = {"of", "the", "a", "an", "more", "than", "some", "about", "around", "nearly", "over", "at", "least",
        "almost", "up", "to", "currently", "already"}  # "new" stays: 46 new cases and 288 cases are two counts


def _value(num: str, scale: str | None) -> float:
    v = float(num.replace(",", ""))
    return v * {"million": 1e6, "billion": 1e9, "thousand": 1e3, "hundred": 1e2}.get((scale or "").strip(), 1)


OF_TAIL_RE = re.compile(r"\s+of\s+((?:[a-z][\w-]*\s+){0,2}[a-z][\w-]*)")  # "grams of pure gold": the head noun
NUMBER_RE = re.compile(r"(?<![\w.,])\d[\d,.]*")
WORD = re.compile(r"[A-Za-z][\w’'-]+")
CONTEXT_WORDS = 8  # words on each side of a figure that say what it counts
SHARED_CONTEXT = 1  # of them the two sentences must share: the same thing, told twice
DIRECTION = frozenset({"up", "down", "flat", "higher", "lower", "rose", "fell", "gained", "lost", "increased",
                       "decreased", "unchanged", "rising", "falling"})
CONTEXT_STOP = frozenset({
    "the", "a", "an", "of", "to", "and", "in", "on", "at", "for", "by", "with", "from", "as", "that", "this", "its",
    "their", "his", "her", "is", "are", "was", "were", "has", "have", "had", "be", "been", "will", "would", "said",
    "says", "also", "it", "they", "he", "she", "which", "who", "while", "than", "more", "about", "some", "over",
    "least", "nearly", "around", "up", "total", "among", "them", "there", "those", "these", "such", "other", "into",
    "after", "before", "since", "according", "per", "cent", "percent", "each", "every", "all", "both", "not"})
ENUMERATION = 3  # figures in one sentence from which it reads as a breakdown ("one first prize, two second …")
TOTAL_RE = re.compile(r"\b(?:a total of|in total|total|cumulative(?:ly)?|altogether|in all|so far|as of|"
                      r"accumulated)\b", re.I)
# what the words just before a figure say about it: an estimate, a floor, a ceiling (none: the figure itself)
QUALIFIERS = (("approx", re.compile(r"\b(?:about|around|some|nearly|roughly|approximately|almost|close to|an estimated|"
                                    r"estimated)\s+$", re.I)),
              ("floor", re.compile(r"\b(?:more than|over|at least|above|upwards of|in excess of)\s+$", re.I)),
              ("ceiling", re.compile(r"\b(?:up to|less than|fewer than|under|below|at most|no more than)\s+$", re.I)))
RANGE_BEFORE = re.compile(r"\b(?:between|from)\s+$|[-–—]\s*$|\bto\s+$", re.I)
RANGE_AFTER = re.compile(r"\s*(?:%|per\s?cent)?\s*(?:to|and|[-–—])\s*(?:about\s+)?\d", re.I)
YEAR_RE = re.compile(r"\b(?:19|20)\d\d\b")
MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|"
          "Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")
MONTH_NAMES = frozenset(MONTHS.split("|"))
DATE_RE = re.compile(rf"\b(?:(?:{MONTHS})\.?(?:\s+\d{{1,2}})?|\d{{1,2}}\s+(?:{MONTHS})|Monday|Tuesday|Wednesday|"
                     r"Thursday|Friday|Saturday|Sunday|yesterday|today|tomorrow|tonight|overnight|"
                     r"(?:this|last|next|previous|the same)\s+(?:year|month|week|quarter|period)|"
                     r"(?:first|second|third|fourth)\s+quarter|(?:first|second)\s+half)\b", re.I)
PLACE_RE = re.compile(r"\b(?:in|at|from)\s+((?:[A-Z][\w’'-]+)(?:\s+[A-Z][\w’'-]+)*)")


@dataclass(frozen=True)
class Figure:
    """One figure with what pins it down: its qualifier, whether it is one end of a range, and the years, dates
    and places its sentence names (outside the figure itself)."""

    value: float
    match: re.Match[str]
    sentence: int
    qualifier: str
    in_range: bool
    total: bool  # a running total ("a total of", "as of"), not a count of one event
    verb: str  # the predicate right after the phrase ("were moved"), when there is one
    subjects: frozenset[str]
    around: frozenset[str]  # content words within a few words of the figure: what it is a figure of
    enumeration: bool
    years: frozenset[str]
    dates: frozenset[str]
    places: frozenset[str]

    def comparable(self, other: Figure) -> bool:
        """The same claim at the same time: otherwise two values are a change or two things, not a mismatch."""
        if self.sentence == other.sentence or self.in_range or other.in_range or self.enumeration or \
                other.enumeration:
            return False
        if self.qualifier != other.qualifier or self.total != other.total:
            return False
        if self.verb != other.verb:  # "673 contacts were released" / "11,762 contacts are under observation"
            return False
        if len(self.around & other.around) < SHARED_CONTEXT:
            return False  # "50,000 particles a year per person" / "11.6 billion particles from one tea bag"
        da, db = self.around & DIRECTION, other.around & DIRECTION
        if da and db and not da & db:
            return False  # "668 stocks closed up" / "222 stocks closed down": two counts of a breakdown
        if different_subjects(set(self.subjects), set(other.subjects)) or (
                self.subjects and other.subjects and not (self.subjects <= other.subjects or
                                                          other.subjects <= self.subjects)):
            return False
        # named on both sides and different: another year, day or place is another figure
        return not any(a and b and not a & b for a, b in ((self.years, other.years), (self.dates, other.dates),
                                                          (self.places, other.places)))


VERB_RE = re.compile(r"\s+((?:(?:was|were|is|are|have|has|had|will|would)\s+(?:been\s+)?)?[a-z]+(?:ed|en)\b)")


def figure(text: str, m: re.Match[str], start: int, end: int, sentence: int) -> Figure:
    before, after = text[max(start, m.start() - 40):m.start()], text[m.end("num"):min(end, m.end("num") + 20)]
    qualifier = next((name for name, rx in QUALIFIERS if rx.search(before)), "")
    in_range = bool(RANGE_BEFORE.search(before) or RANGE_AFTER.match(after))
    rest = text[start:m.start()] + " " * (m.end() - m.start()) + text[m.end():end]
    verb = VERB_RE.match(text, m.end(), end)
    sentence_text = text[start:end]
    figures = [n for n in NUMBER_RE.findall(sentence_text) if not YEAR_RE.fullmatch(n)]
    key_words = set(m.group("phrase").lower().split()) | set(verb.group(1).lower().split() if verb else ())
    near = WORD.findall(text[start:m.start()])[-CONTEXT_WORDS:] + WORD.findall(text[m.end():end])[:CONTEXT_WORDS]
    around = frozenset(w.lower() for w in near if w.lower() not in CONTEXT_STOP and w.lower() not in key_words)
    return Figure(_value(m.group("num"), m.group("scale")), m, sentence, qualifier, in_range,
                  bool(TOTAL_RE.search(text, max(start, m.start() - 30), m.start())),
                  verb.group(1).split()[-1] if verb else "", frozenset(subject_names(sentence_text)), around,
                  len(figures) + len(ENUM_WORDS.findall(sentence_text)) >= ENUMERATION,
                  frozenset(YEAR_RE.findall(rest)), frozenset(d.lower() for d in DATE_RE.findall(rest)),
                  frozenset(p for p in PLACE_RE.findall(rest) if p.split()[0] not in MONTH_NAMES))


ENUM_WORDS = re.compile(r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten)\s+[a-z]", re.I)


def _key(phrase: str, tail: str = "", of: str = "") -> str:
    words = [w for w in phrase.lower().split() if w not in STOP]
    if of:
        words += ["of", *of.lower().split()]  # "grams of pure gold", never cut before the noun
    elif len(words) == 1 and tail:
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
            "gives two different values for the same phrase at the same time, one of them is probably wrong. "
            "Different phrases (\"combat troops\" vs \"British troops\") are different quantities; figures of "
            "different years, dates or places, a range, or an estimate beside a floor (\"about\" vs \"more than\") "
            "are different claims: none of these is compared."
        ),
        issue_type="inconsistency", category="semantics",
    ),)

    def run(self, ctx: Context) -> list[Finding]:
        text = ctx.document.text
        seen: dict[str, list[Figure]] = defaultdict(list)
        for s in ctx.prose:
            for m in NUM_PHRASE.finditer(text, s.start, s.end):
                t = VERB_RE.match(text, m.end(), s.end)  # a verb pins a lone noun down: "residents were moved"
                of = OF_TAIL_RE.match(text, m.end(), s.end)
                key = _key(m.group("phrase"), t.group(1) if t else "", of.group(1) if of else "")
                if not of and set(key.split()) <= UNITS | set(t.group(1).split() if t else ()):
                    continue  # "35 square kilometers", "6.3 percent": a measure of what, it does not say
                if not key or key.split()[-1] in SKIP_WORDS or 1900 <= float(m.group("num").replace(",", "")) <= 2100:
                    continue
                if len(key.split()) < 2:  # "troops" alone is too vague to compare
                    continue
                seen[key].append(figure(text, m, s.start, s.end, s.id))
        out = []
        for key, items in seen.items():
            pair = next(((a, b) for i, a in enumerate(items) for b in items[i + 1:]
                         if a.value != b.value and a.comparable(b)), None)
            if pair is None:
                continue
            first, second = pair
            out.append(Finding(
                self.id, self.infos[0].default_severity,
                f"“{key}” given as {first.match.group('num')} and as {second.match.group('num')}; check which is "
                "right.", sorted({first.sentence, second.sentence}), first.match.start(), first.match.end(), 0.8,
                spans=[(first.match.start(), first.match.end()), (second.match.start(), second.match.end())],
                data={"phrase": key, "values": sorted({first.value, second.value})}))
        return out
