"""Generated breaks: one blatant machine-translation break put into a clean English sentence, with the exact
character span of what broke — supervision for the garble tagger and the per-kind rows of the dev table.

Kinds (what an editor catches at once): a repeated word or phrase; a dropped verb, noun, subject or function
word; two words swapped; a clause shuffled; a word left in the source script; a truncated sentence; an agreement
or tense break; a fragment split off its sentence ("Send his army."); a misspelling.

Only segments every rater passed are broken, and only in the documents of the split asked for (`train` for
fitting, `calib` for choices, `dev` for the table), so a document's breaks never cross splits. The span marks the
changed words; for a dropped word it marks the words either side of the gap (MLQE-PE marks such gaps too).

    python -m checker_dev.breaks --split dev --show 3     # a few of each kind, to read
"""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

from checker_dev import garbledata

KINDS = ("repeat-word", "repeat-phrase", "drop-verb", "drop-noun", "drop-subject", "drop-function", "swap",
         "shuffle", "source-script", "truncate", "agreement", "tense", "fragment", "misspelling")
FUNCTION = {"the", "a", "an", "of", "to", "in", "on", "for", "with", "by", "is", "are", "was", "were", "has",
            "have", "will", "from", "at", "be", "been"}
PRONOUNS = {"he", "she", "they", "it", "we", "i", "you"}
AGREE = {"is": "are", "are": "is", "was": "were", "were": "was", "has": "have", "have": "has", "does": "do",
         "do": "does"}
HAN = re.compile(r"[\u4e00-\u9fff]+")
# when the source is not at hand: common words of Chinese news copy
HAN_FALLBACK = ("发展", "经济", "政府", "合作", "会议", "国家", "企业", "市场", "记者", "问题")
WORD = re.compile(r"\S+")
ALPHA = re.compile(r"^[A-Za-z][a-z]*$")


@dataclass(frozen=True)
class Break:
    kind: str
    text: str  # the broken sentence (for `fragment`: two sentences)
    span: tuple[int, int]  # what broke, as character offsets into `text`


@dataclass(frozen=True)
class Word:
    start: int
    end: int
    core: str  # the word without surrounding punctuation
    core_start: int
    core_end: int


def words(text: str) -> list[Word]:
    out = []
    for m in WORD.finditer(text):
        tok = m.group()
        a = len(tok) - len(tok.lstrip("\"'“‘(["))
        b = len(tok.rstrip("\"'”’)].,;:!?"))
        out.append(Word(m.start(), m.end(), tok[a:b] if b > a else "", m.start() + a, m.start() + max(a, b)))
    return out


@cache
def _pos(word: str) -> frozenset[str]:
    from lemminflect import getAllLemmas

    return frozenset(getAllLemmas(word.lower()))


def _only(word: str, pos: str) -> bool:
    p = _pos(word)
    return bool(p) and p <= {pos, "AUX"} and word.lower() not in FUNCTION


def _plain(w: Word, first: bool = False) -> bool:
    """A lower-case dictionary word, not a name (a capitalised first word counts)."""
    return bool(ALPHA.match(w.core)) and (first or w.core.islower()) and len(w.core) >= 2


def _cut(text: str, a: int, b: int) -> tuple[str, int]:
    """Remove text[a:b] and the space after it; the offset where the gap now is."""
    while b < len(text) and text[b] == " ":
        b += 1
    return text[:a] + text[b:], a


def _gap_span(text: str, pos: int) -> tuple[int, int]:
    """The words either side of a gap at `pos`."""
    ws = words(text)
    before = [w for w in ws if w.end <= pos]
    after = [w for w in ws if w.start >= pos]
    a = before[-1].core_start if before else pos
    b = after[0].core_end if after else pos
    return (a, b) if b > a else (max(0, pos - 1), pos)


def _replace(kind: str, text: str, w: Word, rep: str) -> Break:
    """The word's core replaced by `rep`; the span is the replacement."""
    return Break(kind, text[:w.core_start] + rep + text[w.core_end:], (w.core_start, w.core_start + len(rep)))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _inner(ws: list[Word]) -> range:
    return range(1, len(ws) - 1)


def _repeat_word(text: str, ws: list[Word], rng: random.Random, source: str) -> Break | None:
    cands = [i for i in _inner(ws) if ALPHA.match(ws[i].core) and ws[i].core_end == ws[i].end]
    if not cands:
        return None
    w = ws[rng.choice(cands)]
    new = text[:w.end] + " " + w.core + text[w.end:]
    return Break("repeat-word", new, (w.end + 1, w.end + 1 + len(w.core)))


def _repeat_phrase(text: str, ws: list[Word], rng: random.Random, source: str) -> Break | None:
    k = rng.choice((2, 3))
    cands = [i for i in range(1, len(ws) - k) if all(ALPHA.match(w.core) and w.core_end == w.end
                                                     for w in ws[i:i + k])]
    if not cands:
        return None
    i = rng.choice(cands)
    phrase = text[ws[i].start:ws[i + k - 1].end]
    at = ws[i + k - 1].end
    return Break("repeat-phrase", text[:at] + " " + phrase + text[at:], (at + 1, at + 1 + len(phrase)))


def _drop(kind: str, test: Callable[[Word], bool]):
    def make(text: str, ws: list[Word], rng: random.Random, source: str) -> Break | None:
        cands = [i for i in _inner(ws) if ws[i].core == text[ws[i].start:ws[i].end] and test(ws[i])]
        if not cands:
            return None
        w = ws[rng.choice(cands)]
        new, pos = _cut(text, w.start, w.end)
        return Break(kind, new, _gap_span(new, pos))

    return make


def _drop_subject(text: str, ws: list[Word], rng: random.Random, source: str) -> Break | None:
    """The subject before the first verb: a pronoun, or a short noun phrase ("The ministry said …")."""
    if len(ws) < 5:
        return None
    for j in range(1, min(5, len(ws) - 2)):
        if _only(ws[j].core, "VERB") or ws[j].core.lower() in AGREE or ws[j].core.lower() in ("will", "would"):
            break
    else:
        return None
    if not all(_plain(w, first=(k == 0)) for k, w in enumerate(ws[:j])):
        return None
    if j > 1 and ws[0].core.lower() not in ("the", "a", "an", "this", "its", "his", "her", "their"):
        return None
    if j == 1 and ws[0].core.lower() not in PRONOUNS and not _only(ws[0].core, "NOUN"):
        return None
    rest = text[ws[j].start:]
    new = _cap(rest)
    first = words(new)[0]
    return Break("drop-subject", new, (first.core_start, first.core_end))


def _swap(text: str, ws: list[Word], rng: random.Random, source: str) -> Break | None:
    cands = [i for i in range(1, len(ws) - 2) if _plain(ws[i]) and _plain(ws[i + 1]) and ws[i].core != ws[i + 1].core
             and ws[i].core == text[ws[i].start:ws[i].end] and ws[i + 1].core == text[ws[i + 1].start:ws[i + 1].end]
             and not (ws[i].core in FUNCTION and ws[i + 1].core in FUNCTION)]
    if not cands:
        return None
    i = rng.choice(cands)
    a, b = ws[i], ws[i + 1]
    new = text[:a.start] + b.core + " " + a.core + text[b.end:]
    return Break("swap", new, (a.start, b.end))


def _shuffle(text: str, ws: list[Word], rng: random.Random, source: str) -> Break | None:
    """A clause moved: the part after a comma put before a word in the middle of the part before it, or a
    window of four words rotated when there is no comma."""
    commas = [i for i in range(2, len(ws) - 3) if ws[i].end - 1 >= 0 and text[ws[i].end - 1] == ","]
    if commas:
        i = rng.choice(commas)
        tail_end = ws[-1].core_end if ws[-1].core else ws[-1].end
        clause = text[ws[i + 1].start:tail_end]
        head = text[:ws[i].end - 1]
        hw = words(head)
        if len(hw) >= 3:
            k = rng.randrange(1, len(hw))
            at = hw[k].start
            new = head[:at] + clause + " " + head[at:] + text[tail_end:]
            return Break("shuffle", new, (at, at + len(clause)))
    if len(ws) < 7:
        return None
    i = rng.randrange(1, len(ws) - 5)
    win = ws[i:i + 4]
    if not all(w.core == text[w.start:w.end] for w in win):
        return None
    order = [win[1], win[3], win[0], win[2]]
    chunk = " ".join(w.core for w in order)
    new = text[:win[0].start] + chunk + text[win[-1].end:]
    return Break("shuffle", new, (win[0].start, win[0].start + len(chunk)))


def _source_script(text: str, ws: list[Word], rng: random.Random, source: str) -> Break | None:
    cands = [i for i in _inner(ws) if _plain(ws[i]) and _only(ws[i].core, "NOUN")]
    if not cands:
        return None
    pool = [h for h in HAN.findall(source) if 2 <= len(h) <= 6] or list(HAN_FALLBACK)
    han = rng.choice(pool)
    if len(han) > 4:
        s = rng.randrange(0, len(han) - 3)
        han = han[s:s + rng.choice((2, 3, 4))]
    return _replace("source-script", text, ws[rng.choice(cands)], han)


def _truncate(text: str, ws: list[Word], rng: random.Random, source: str) -> Break | None:
    if len(ws) < 8:
        return None
    k = rng.randrange(int(len(ws) * 0.4), int(len(ws) * 0.75))
    last = ws[k - 1]
    if not last.core:
        return None
    new = text[:last.core_end] + "."
    return Break("truncate", new, (ws[max(0, k - 2)].core_start, len(new)))  # the stop where none belongs too


def _agreement(text: str, ws: list[Word], rng: random.Random, source: str) -> Break | None:
    cands = []
    for i in _inner(ws):
        c = ws[i].core
        if c in AGREE:
            cands.append((i, AGREE[c]))
        elif c.islower() and _only(c, "VERB"):
            from lemminflect import getInflection

            lemma = next(iter(_lemmas(c)), None)
            if lemma and c == (getInflection(lemma, "VBZ") or ("",))[0] and lemma != c:
                cands.append((i, lemma))
            elif lemma and c == lemma and c not in ("be", "have"):
                vbz = (getInflection(lemma, "VBZ") or ("",))[0]
                prev = ws[i - 1].core.lower()
                if vbz and vbz != c and prev in ("they", "we", "i", "you", "to", "will", "would", "can", "not"):
                    continue  # the base form is right here; making it -s is not the break we want
                if vbz and vbz != c:
                    cands.append((i, vbz))
    if not cands:
        return None
    i, rep = rng.choice(cands)
    return _replace("agreement", text, ws[i], rep)


@cache
def _lemmas(word: str) -> tuple[str, ...]:
    from lemminflect import getAllLemmas

    return tuple(getAllLemmas(word).get("VERB", ()))


def _tense(text: str, ws: list[Word], rng: random.Random, source: str) -> Break | None:
    """A verb in the wrong form: past or -ing turned into the bare form ("after carefully study"), or a past
    participle into -ing."""
    from lemminflect import getAllInflections

    cands = []
    for i in _inner(ws):
        c = ws[i].core
        if not (c.islower() and _only(c, "VERB")):
            continue
        lemma = next(iter(_lemmas(c)), None)
        if not lemma or lemma in ("be", "have", "do"):
            continue
        forms = getAllInflections(lemma, upos="VERB")
        if c in forms.get("VBG", ()) or c in forms.get("VBD", ()):
            if lemma != c:
                cands.append((i, lemma))
        elif c == lemma and forms.get("VBG"):
            cands.append((i, forms["VBG"][0]))
    if not cands:
        return None
    i, rep = rng.choice(cands)
    return _replace("tense", text, ws[i], rep)


def _fragment(text: str, ws: list[Word], rng: random.Random, source: str) -> Break | None:
    """The sentence split where no sentence ends: the second part ("Send his army.") stands alone."""
    if len(ws) < 9:
        return None
    k = rng.randrange(int(len(ws) * 0.45), int(len(ws) * 0.8))
    before, first = ws[k - 1], ws[k]
    if not (before.core and first.core and before.core_end == before.end and ALPHA.match(first.core)):
        return None
    head = text[:before.core_end] + "."
    tail = _cap(text[first.start:])
    new = head + " " + tail
    return Break("fragment", new, (len(head) + 1, len(new)))


def _misspell(text: str, ws: list[Word], rng: random.Random, source: str) -> Break | None:
    cands = [i for i in _inner(ws) if _plain(ws[i]) and len(ws[i].core) >= 5]
    if not cands:
        return None
    w = ws[rng.choice(cands)]
    c = w.core
    j = rng.randrange(1, len(c) - 2)
    op = rng.choice(("swap", "drop", "double"))
    bad = (c[:j] + c[j + 1] + c[j] + c[j + 2:] if op == "swap" else c[:j] + c[j + 1:] if op == "drop"
           else c[:j] + c[j] + c[j:])
    if bad == c:
        return None
    return _replace("misspelling", text, w, bad)


MAKERS: dict[str, Callable[[str, list[Word], random.Random, str], Break | None]] = {
    "repeat-word": _repeat_word, "repeat-phrase": _repeat_phrase,
    "drop-verb": _drop("drop-verb", lambda w: _plain(w) and _only(w.core, "VERB")),
    "drop-noun": _drop("drop-noun", lambda w: _plain(w) and _only(w.core, "NOUN")),
    "drop-subject": _drop_subject,
    "drop-function": _drop("drop-function", lambda w: w.core in FUNCTION),
    "swap": _swap, "shuffle": _shuffle, "source-script": _source_script, "truncate": _truncate,
    "agreement": _agreement, "tense": _tense, "fragment": _fragment, "misspelling": _misspell,
}
assert tuple(MAKERS) == KINDS


def make_break(text: str, kind: str, rng: random.Random, source: str = "") -> Break | None:
    """One break of `kind` in `text`, or None when the sentence offers no place for it."""
    ws = words(text)
    if len(ws) < 4:
        return None
    b = MAKERS[kind](text, ws, rng, source)
    if b is None or b.text == text or not (0 <= b.span[0] < b.span[1] <= len(b.text)):
        return None
    return b


# --- labelled sets built from the MQM news segments every rater passed ------------------------------------------

@cache
def sources() -> dict[tuple[str, int], str]:
    """(doc key, segment index) → the Chinese source, for `source-script` breaks (news only)."""
    import csv
    import lzma

    from checker_dev.devdata import SHARED

    out: dict[tuple[str, int], str] = {}
    for year in (2020, 2021):
        with lzma.open(SHARED / "data" / "mqm-news-zhen" / f"mqm_newstest{year}_zhen.tsv.xz", "rt",
                       encoding="utf-8") as f:
            for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                out.setdefault((f"news{year}/{r['doc']}", int(r["seg_id"])), r["source"] or "")
    return out


def _source_of(a: garbledata.Article, k: int) -> str:
    """The source of segment k (segment ids count from 1 in MQM; empty segments were skipped, so this is a
    best effort: any Chinese of the same document serves a `source-script` break)."""
    domain, _system, doc = a.key.split("/", 2)
    src = sources()
    return src.get((f"{domain}/{doc}", k + 1)) or src.get((f"{domain}/{doc}", 1), "")


def broken_article(a: garbledata.Article, rng: random.Random, rate: float = 0.35,
                   kinds: tuple[str, ...] = KINDS) -> garbledata.Article:
    """A copy of an article with a share of its clean segments broken (one break each, kinds in turn)."""
    lines, segs, pos = [], [], 0
    for k, g in enumerate(a.segments):
        seg = a.text[g.start:g.end]
        new = g
        if g.label == "clean" and rng.random() < rate:
            for kind in rng.sample(kinds, len(kinds)):
                b = make_break(seg, kind, rng, _source_of(a, k))
                if b:
                    seg = b.text
                    new = garbledata.Segment(0, 0, "garbled", "garbled" if g.strict else "", [b.span], [],
                                             (f"break/{kind}",), 1)
                    break
        shift = pos - (new.start if new is g else 0)
        segs.append(replace(new, start=pos, end=pos + len(seg),
                            major=[(x + shift, y + shift) for x, y in new.major],
                            minor=[(x + shift, y + shift) for x, y in new.minor]))
        lines.append(seg)
        pos += len(seg) + 1
    return garbledata.Article(f"broken/{a.key}", a.domain, a.split, "\n".join(lines), segs)


def alone(a: garbledata.Article, k: int, kind: str | None, rng: random.Random) -> garbledata.Article | None:
    """Segment k of an article checked alone: as it is (`kind` None) or with one break of `kind`."""
    g = a.segments[k]
    seg = a.text[g.start:g.end]
    if kind is None:
        return garbledata.Article(f"alone/clean/{a.key}/{k}", a.domain, a.split, seg,
                                  [replace(g, start=0, end=len(seg), major=[], minor=[])])
    b = make_break(seg, kind, rng, _source_of(a, k))
    if b is None:
        return None
    return garbledata.Article(f"alone/{kind}/{a.key}/{k}", a.domain, a.split, b.text,
                              [garbledata.Segment(0, len(b.text), "garbled", "", [b.span], [], (f"break/{kind}",), 1)])


def clean_pool(split: str) -> list[tuple[garbledata.Article, int]]:
    """Clean prose segments (every rater passed; at least five words) of a split's news documents."""
    return [(a, k) for a in garbledata.news_articles() if a.split == split for k, g in enumerate(a.segments)
            if g.label == "clean" and len(a.text[g.start:g.end].split()) >= 5]


def alone_set(split: str, clean: int, per_kind: int, seed: int = 0) -> list[garbledata.Article]:
    """Single sentences checked alone: `clean` untouched ones and `per_kind` broken ones of every kind, drawn
    from different segments of the split's documents."""
    rng = random.Random(f"alone-{split}-{seed}")
    pool = clean_pool(split)
    rng.shuffle(pool)
    out = [x for a, k in pool[:clean] if (x := alone(a, k, None, rng))]
    rest = iter(pool[clean:] + pool[:clean])
    for kind in KINDS:
        got = 0
        for a, k in rest:
            x = alone(a, k, kind, rng)
            if x:
                out.append(x)
                got += 1
                if got == per_kind:
                    break
        rest = iter(rng.sample(pool, len(pool)))
    return out


def broken_set(split: str, per_doc: int, rate: float = 0.35, seed: int = 0) -> list[garbledata.Article]:
    """`per_doc` translations of every document of the split, each with a share of its clean segments broken."""
    rng = random.Random(f"broken-{split}-{seed}")
    by_doc: dict[str, list[garbledata.Article]] = {}
    for a in garbledata.news_articles():
        if a.split == split:
            by_doc.setdefault(a.key.split("/")[0] + "/" + a.key.rsplit("/", 1)[-1], []).append(a)
    out = []
    for _doc, arts in sorted(by_doc.items()):
        for a in rng.sample(arts, min(per_doc, len(arts))):
            out.append(broken_article(a, rng, rate))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="dev")
    ap.add_argument("--show", type=int, default=2)
    args = ap.parse_args()
    rng = random.Random(1)
    pool = clean_pool(args.split)
    for kind in KINDS:
        shown = 0
        for a, k in rng.sample(pool, len(pool)):
            g = a.segments[k]
            b = make_break(a.text[g.start:g.end], kind, rng, _source_of(a, k))
            if b:
                print(f"{kind:<14} {b.text[:b.span[0]]}[[{b.text[b.span[0]:b.span[1]]}]]{b.text[b.span[1]:]}")
                shown += 1
                if shown == args.show:
                    break


if __name__ == "__main__":
    main()
