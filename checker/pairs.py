"""Which sentence pairs of one article the contradiction rule reads: model-free, from the text alone, so the
same pairs are chosen in training data, calibration, evaluation (`checker_dev`, `models/nli-minilm`) and use.

Cost stays about linear in article length: each sentence is paired only with the few sentences that share
names, numbers or content words with it. Two claims contradict only when they are about the same thing, so a
pair needs two distinct shared keys (NLI models read "The US has troops in Western Europe" against "Russia
called for NATO's withdrawal from Eastern Europe" as a contradiction: one shared place name is not enough).
"""

from __future__ import annotations

import re
from collections import defaultdict
from difflib import SequenceMatcher

from checker.attribution import source_of
from checker.names import edit_distance, is_derivation, mentions, zipf

WORD_RE = re.compile(r"[A-Za-z][\w’'-]+|\d[\d,.]*")
NEGATION = {"not", "no", "never", "none", "nothing", "neither", "nor", "without", "n't"}
PER_SENTENCE = 6  # neighbours kept per sentence: the linear budget
NEAR_DUPLICATE = 0.9
ANCHOR = 2  # distinct shared keys a pair needs
CALENDAR = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February",
            "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
# where the predicate starts: the first verb-like lowercase word after the first word ("The Friendship Medal |uses|").
# checker_dev/newsnli.py has an older twin that also matches capitalised words ("Titles"); it stays apart because
# the generated flips of the held-apart tables were built with it.
VERBISH = re.compile(r"\b(?:is|are|was|were|has|have|had|will|would|can|could|should|must|did|does|do|said|says|"
                     r"[a-z]+ed|[a-z]+es)\b")


def content_words(text: str) -> set[str]:
    return {w.lower() for w in WORD_RE.findall(text) if w[0].isdigit() or zipf(w) < 5.5 or w.lower() in NEGATION}


def sentence_keys(text: str, spans: list[tuple[int, int]]) -> list[dict[str, float]]:
    """What may tie two sentences together, case-folded, with a weight: names and numbers 2, content words 1."""
    names: dict[int, set[str]] = defaultdict(set)
    for m in mentions(text, [(i, a, b) for i, (a, b) in enumerate(spans)]):
        names[m.sentence].add(m.text.lower())
    out = []
    for i, (a, b) in enumerate(spans):
        keys = {w: 2.0 if w[0].isdigit() else 1.0 for w in content_words(text[a:b]) if w[0].isdigit() or len(w) > 3}
        out.append(keys | dict.fromkeys(names[i], 2.0))
    return out


def subject_names(text: str) -> set[str]:
    """Capitalised words before the predicate, case-folded: whom or what the sentence is about. A sentence's
    first word counts only when it is rare as an ordinary word ("Beijing", not "There" or "Prior"). Empty for an
    attributed claim ("Moscow says …"): the names before its verb are its source, not its subject."""
    m = VERBISH.search(text, 1)
    if not m or source_of(text):
        return set()
    return {w.text.lower() for w in mentions(text, [(0, 0, m.start())])
            if (not w.initial or zipf(w.text) < 4.0) and w.text not in CALENDAR}


def different_subjects(a: str | set[str], b: str | set[str]) -> bool:
    """Both sentences (or their `subject_names`) name their subject and share none of those names (Russia/Russian,
    or one name spelt two ways, counts as shared): two things described, not one claim told two ways. "The
    Friendship Medal uses a gold-blue colour scheme" vs "The medal of National Honorary Titles uses a red-gold
    colour scheme"; "He Lifeng attended the forum" vs "Minister Nishimura attended the forum"."""
    sa = subject_names(a) if isinstance(a, str) else a
    sb = subject_names(b) if isinstance(b, str) else b
    return bool(sa) and bool(sb) and not any(same_name(x, y) for x in sa for y in sb)


def same_name(x: str, y: str) -> bool:
    """One name: equal, derived (Russia/Russian) or spelt two ways by the translation (Cerris/Celis)."""
    return x == y or is_derivation(x, y) or (min(len(x), len(y)) >= 5 and edit_distance(x, y, 2) <= 2)


QUIET = frozenset({"the", "a", "an", "of", "to", "and", "in", "on", "at", "for", "by", "with", "from", "as", "that",
                   "this", "its", "their", "his", "her", "is", "are", "was", "were", "has", "have", "had", "be",
                   "been", "will", "would", "said", "says", "also", "it", "they", "he", "she", "which", "who"})
TOKEN_RE = re.compile(r"[A-Za-z][\w’'-]*|\d[\d,.]*\d|\d")


def differing_words(a: str, b: str) -> set[str]:
    """Words one sentence has and the other lacks, beyond articles, auxiliaries and punctuation: empty for a repeat
    ("The talks, he said, resumed." / "The talks resumed, he said."), {"not", "does"} for a negated copy."""
    wa = {w.lower() for w in TOKEN_RE.findall(a)}
    wb = {w.lower() for w in TOKEN_RE.findall(b)}
    return {w for w in wa ^ wb if w not in QUIET or w in NEGATION}


def near_duplicate(a: str, b: str) -> bool:
    wa, wb = content_words(a), content_words(b)
    return bool(wa and wb and len(wa & wb) / len(wa | wb) >= NEAR_DUPLICATE)


COPY_MIN_WORDS = 6  # a copy is recognised in sentences of at least this many words
COPY_MAX_CHANGED = 3  # words replaced, added or dropped on either side, at most
NAME_MAX_WORDS = 6  # a name swapped for another may be longer: "Jiangxi Chamber of Commerce" / "Guo Lina"
NAME_JOINERS = frozenset({"of", "the", "and", "de", "for"})


# a restatement often opens with an attribution the first telling lacks ("According to the report, …", "It is
# reported that …" — 据报道 in Chinese wire copy): it says who told the fact, not what the fact is
LEAD = re.compile(r"^\s*(?:According to [^,]{1,60},|(?:It is|It was) reported that|Reportedly,|Reports say that)\s*",
                  re.IGNORECASE)
PLACE_PREPOSITIONS = frozenset({"in", "at", "on", "from"})


def copy_edits(a: str, b: str, limit: int = COPY_MAX_CHANGED) -> tuple[list[str], list[str]] | None:
    """When b is a with a few words changed ("has" → "does not have", 330 → 350, Beijing → Shanghai): the
    words each side has in those places; None when they are not one sentence told twice. An attribution lead
    ("According to the report,") is no change, and a detail moved with its preposition ("… in 2015" / "In 2017,
    …") counts as the detail alone."""
    ta, tb = TOKEN_RE.findall(LEAD.sub("", a)), TOKEN_RE.findall(LEAD.sub("", b))
    if min(len(ta), len(tb)) < COPY_MIN_WORDS:
        return None
    ops = [op for op in SequenceMatcher(None, [w.lower() for w in ta], [w.lower() for w in tb],
                                        autojunk=False).get_opcodes() if op[0] != "equal"]
    old = [w for _, i1, i2, _, _ in ops for w in ta[i1:i2]]
    new = [w for _, _, _, j1, j2 in ops for w in tb[j1:j2]]
    if len(old) > 1 and len(new) > 1 and old[0].lower() == new[0].lower() and old[0].lower() in PLACE_PREPOSITIONS:
        old, new = old[1:], new[1:]
    if max(len(old), len(new)) > limit:
        return None
    return old, new


def is_near_copy(a: str, b: str) -> bool:
    """One sentence told twice with a word that matters changed; an identical (or merely reworded) repeat is not."""
    edits = copy_edits(a, b)
    return edits is not None and any(w.lower() not in QUIET or w.lower() in NEGATION for w in edits[0] + edits[1])


def swapped_name(a: str, b: str) -> tuple[str, str] | None:
    """A copy whose only change is a name for another ("… in Beijing" / "… in Shanghai", "Greenland Holdings" /
    "Zhuhai Alum"): the two names. A capitalised common word at a sentence's start is no name."""
    edits = copy_edits(a, b, NAME_MAX_WORDS)
    if not edits or not edits[0] or not edits[1]:
        return None

    def names(words: list[str], sentence: str) -> bool:
        inner = [w for w in words if w.lower() not in NAME_JOINERS]
        return bool(inner) and words[0].lower() not in NAME_JOINERS and all(
            w[0].isupper() and (not sentence.startswith(w) or zipf(w) < 4.0) for w in inner)

    if names(edits[0], a) and names(edits[1], b) and [w.lower() for w in edits[0]] != [w.lower() for w in edits[1]]:
        return " ".join(edits[0]), " ".join(edits[1])
    return None


FIGURE = re.compile(r"\d[\d,.]*")


def swapped_figure(a: str, b: str) -> tuple[str, str] | None:
    """A copy whose only change is one figure for another (a year, a count: "opened in 2015" / "In 2017, …
    opened", "330 plants" / "350 plants"): the two figures. Told twice, one of them is wrong."""
    edits = copy_edits(a, b)
    if edits and len(edits[0]) == len(edits[1]) == 1 and all(FIGURE.fullmatch(w[0]) for w in edits):
        x, y = edits[0][0], edits[1][0]
        if x.replace(",", "") != y.replace(",", ""):
            return x, y
    return None


def select_pairs(texts: list[str], keys: list[dict[str, float]], subjects: bool = True) -> list[tuple[int, int]]:
    """Candidate pairs (i < j) about the same thing: at least two distinct shared keys (names, numbers,
    content words), and not two differently named subjects (`different_subjects`). A near copy (content words
    overlapping NEAR_DUPLICATE or more) is paired when a word differs, whatever its subject, and never when it
    only repeats (`is_near_copy`). Each sentence keeps its best-tied PER_SENTENCE partners: the cost stays linear."""
    index: dict[str, list[int]] = defaultdict(list)
    for i, ks in enumerate(keys):
        for k in ks:
            index[k].append(i)
    scores: dict[tuple[int, int], float] = defaultdict(float)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for k, members in index.items():
        if len(members) > 12:  # a word in most sentences says nothing about a pair
            continue
        for a in members:
            for b in members:
                if a < b:
                    scores[(a, b)] += keys[a][k]
                    shared[(a, b)] += 1
    per: dict[int, list[tuple[float, tuple[int, int]]]] = defaultdict(list)
    for (a, b), n in shared.items():
        if n >= ANCHOR:
            per[a].append((scores[(a, b)], (a, b)))
            per[b].append((scores[(a, b)], (a, b)))
    keep: set[tuple[int, int]] = set()
    for items in per.values():
        for _, pair in sorted(items, reverse=True)[:PER_SENTENCE]:
            keep.add(pair)
    out = []
    named: dict[int, set[str]] = {}  # each sentence's subject names, read once
    for a, b in sorted(keep):
        if copy_edits(texts[a], texts[b]) is not None or swapped_name(texts[a], texts[b]) or \
                near_duplicate(texts[a], texts[b]):
            # a sentence and its copy: the plainest contradiction an article can hold when a word that matters
            # changed ("has" / "does not have", 330 / 350, rose / fell, a name); a mere repeat says nothing
            if is_near_copy(texts[a], texts[b]) or swapped_name(texts[a], texts[b]):
                out.append((a, b))
            continue
        if subjects:
            for i in (a, b):
                if i not in named:
                    named[i] = subject_names(texts[i])
            if different_subjects(named[a], named[b]):
                continue
        out.append((a, b))
    return out
