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


def select_pairs(texts: list[str], keys: list[dict[str, float]], subjects: bool = True) -> list[tuple[int, int]]:
    """Candidate pairs (i < j) about the same thing: at least two distinct shared keys (names, numbers,
    content words), and not two differently named subjects (`different_subjects`). Each sentence keeps its
    best-tied PER_SENTENCE partners: the cost stays linear."""
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
        wa, wb = content_words(texts[a]), content_words(texts[b])
        if wa and wb and len(wa & wb) / len(wa | wb) >= NEAR_DUPLICATE:
            continue
        if subjects:
            for i in (a, b):
                if i not in named:
                    named[i] = subject_names(texts[i])
            if different_subjects(named[a], named[b]):
                continue
        out.append((a, b))
    return out
