"""`contradiction` / `conflicting-claims`: two sentences of one article that cannot both be true.

Pair selection keeps cost about linear in article length: each sentence is paired only with the few
sentences that share names, numbers or content words with it. Two claims contradict only when they are about
the same thing, so a pair needs two distinct shared keys (NLI models read "The US has troops in Western Europe"
against "Russia called for NATO's withdrawal from Eastern Europe" as a contradiction: one shared place name is
not enough). Selection depends on the text alone, not on the model, so it is the same in training data,
calibration and use.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict

from checker.attribution import different_sources, source_of
from checker.findings import Finding
from checker.names import edit_distance, is_derivation, mentions, zipf
from checker.rules import Context, Rule, RuleInfo, register

CONTRADICTION = 2  # index in the NLI model's [entailment, neutral, contradiction]

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
            "Sentence pairs that share at least two names, numbers or content words "
            "are read in both directions by our NLI cross-encoder (MiniLM-L6 fine-tuned on SNLI and news pairs). "
            "When the contradiction probability clears the calibrated threshold, the pair is reported: as "
            "`contradiction` (error) when both claims are the article's own voice or the same source's, and as "
            "`conflicting-claims` (info) when different sources are quoted (\"Moscow says X\", \"NATO says not X\")."
        ),
        (("nli-threshold", "contradiction probability for a finding (default: the NLI model's calibration)"),),
    ), RuleInfo(
        "conflicting-claims", "Conflicting claims", "info",
        "Two quoted sources make conflicting claims.",
        "A contradiction between claims attributed to different sources (\"Moscow says X\", \"NATO says not X\") "
        "is reporting, not the article contradicting itself; it is shown as a note so the attribution is clear.",
    ))
    needs = ("nli",)

    def run(self, ctx: Context) -> list[Finding]:
        assert ctx.models is not None
        nli = ctx.models.nli
        threshold = ctx.settings.nli_threshold if ctx.settings.nli_threshold is not None else nli.threshold
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
            if p < threshold:
                continue
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
