"""Who says a claim: "Moscow says X" against "NATO says not X" is reporting, not the article contradicting itself."""

from __future__ import annotations

import re

REPORT_VERBS = (r"said|says|say|told|tells|stated|states|claimed|claims|added|adds|insisted|insists|denied|denies|"
                r"warned|warns|announced|announces|argued|argues|accused|accuses|reported|reports|urged|urges|"
                r"alleged|alleges|demanded|demands|maintained|maintains")
ROLE = r"(?:officials?|leaders?|sources?|spokes(?:man|woman|person)|aides?|ministry|government|statement|office)"
SOURCE = (rf"((?:the\s+)?[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*){{0,4}}(?:[’']s)?(?:\s+{ROLE})?|{ROLE}|"
          r"diplomats|analysts|he|she|they|it)")
PATTERNS = [
    re.compile(rf"\baccording to\s+{SOURCE}", re.I),
    re.compile(rf"(?:^|[,“”\"]\s*|\b)(?P<src>{SOURCE})\s+(?:\w+ly\s+)?(?:{REPORT_VERBS})\b"),
    re.compile(rf"\b(?:{REPORT_VERBS})\s+(?P<src2>{SOURCE})\s*[.,]"),
]
PRONOUNS = {"he", "she", "they", "it"}
# "according to reports" (据报道 in Chinese wire copy) names no one: the article's own reporting, not another voice
NO_ONE = {"report", "reports", "media reports", "news reports", "reporter", "reporters", "this reporter"}


def source_of(sentence: str) -> str | None:
    """The reported source of a sentence's claim, lower-cased, or None for the article's own voice."""
    for pat in PATTERNS:
        m = pat.search(sentence)
        if m:
            src = next(g for g in m.groups() if g)
            src = re.sub(r"^the\s+", "", src.strip(), flags=re.I).lower()
            src = re.sub(r"[’']s$", "", src.rstrip(".,;: "))
            return None if src in NO_ONE else src
    return None


def different_sources(a: str | None, b: str | None) -> bool:
    """Two claims from different mouths; an unresolved pronoun counts as a source we cannot match."""
    if a is None and b is None:
        return False
    if a is None or b is None:
        return True
    if a in PRONOUNS or b in PRONOUNS:
        return a != b
    return not (a in b or b in a)
