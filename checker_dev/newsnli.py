"""NLI data close to news, and the held-apart sets the contradiction rule is judged on (issue: contradictions
an editor can trust). Development code: used by models/nli-minilm/ (data builder, training, evaluation).

Real articles: WMT 2020/2021 zh→en MQM news, rebuilt per (system, document) in segment order, one paragraph
per line. Documents (all systems of one source document together) are split by a stable hash:
60 % `train` (hard negatives and generated pairs for training), 20 % `calib` (the threshold is chosen here),
20 % `dev` (reported, never tuned on).
"""

from __future__ import annotations

import csv
import hashlib
import json
import lzma
import random
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from checker_dev.devdata import SHARED
from checker_dev.newspairs import (
    MONTHS,
    WEEKDAYS,
    _antonym,
    _drop_attribution,
    _negate,
    _reorder,
    _reporting,
    _swap_from,
    _swap_number,
    _truncate,
)

NEWS = SHARED / "data" / "mqm-news-zhen"
NLI = SHARED / "data" / "nli-news"
LABELS = {"entailment": 0, "neutral": 1, "contradiction": 2}
FLIP_KINDS = ("negation", "antonym", "number", "entity", "date", "quantifier")
WORDNET = Path("/usr/share/wordnet")


@dataclass(frozen=True)
class Article:
    year: int
    system: str
    doc: str
    split: str
    text: str  # one paragraph per line


def doc_split(year: int, doc: str) -> str:
    h = int(hashlib.sha1(f"{year}/{doc}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "train" if h < 0.6 else "calib" if h < 0.8 else "dev"


@cache
def mqm_articles() -> tuple[Article, ...]:
    out = []
    for year in (2020, 2021):
        segs: dict[tuple[str, str], dict[int, str]] = defaultdict(dict)
        with lzma.open(NEWS / f"mqm_newstest{year}_zhen.tsv.xz", "rt", encoding="utf-8") as f:
            for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                text = " ".join(re.sub(r"</?v>", "", r["target"] or "").split())
                if text:
                    segs[(r["system"], r["doc"])].setdefault(int(r["seg_id"]), text)
        for (system, doc), by_id in sorted(segs.items()):
            lines = [t for _, t in sorted(by_id.items())]
            out.append(Article(year, system, doc, doc_split(year, doc), "\n".join(lines)))
    return tuple(out)


def prose_sentences(text: str) -> list[tuple[int, int]]:
    from checker.segment import segment

    return [(s.start, s.end) for s in segment(text) if s.kind == "sentence"]


def rule_pairs(text: str, subjects: bool = True) -> list[tuple[str, str]]:
    """The pairs the contradiction rule would read in this article (its own selection, model-free); subjects=False
    leaves out the different-subjects check, as the stage 6–7 training mixes were built."""
    from checker.pairs import select_pairs, sentence_keys

    spans = prose_sentences(text)
    texts = [text[a:b] for a, b in spans]
    return [(texts[a], texts[b]) for a, b in select_pairs(texts, sentence_keys(text, spans), subjects)]


# -- generated pairs -------------------------------------------------------------------------------------------

@cache
def wordnet_antonym_pointers(pos: str) -> tuple[dict[str, list[str]], list[tuple[str, int, str, int]]]:
    """One WordNet data file's synsets (offset -> lowercased words, "(a)"-style markers cut) and its antonym
    pointers (source synset, source word number, target synset, target word number; number 0: the whole synset)."""
    words: dict[str, list[str]] = {}
    ptrs: list[tuple[str, int, str, int]] = []
    path = WORDNET / f"data.{pos}"
    if not path.exists():
        return words, ptrs
    for line in path.read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):
            continue
        parts = line.split(" ")
        off, n = parts[0], int(parts[3], 16)
        words[off] = [parts[4 + 2 * i].split("(")[0].lower() for i in range(n)]
        k = 4 + 2 * n
        for i in range(int(parts[k])):
            sym, target, _p, st = parts[k + 1 + 4 * i: k + 5 + 4 * i]
            if sym == "!":
                ptrs.append((off, int(st[:2], 16), target, int(st[2:], 16)))
    return words, ptrs


@cache
def wordnet_antonyms() -> dict[str, str]:
    """Adjective/verb/adverb antonyms from WordNet 3.0 (Debian wordnet-base), common words only."""
    from wordfreq import zipf_frequency

    out: dict[str, str] = {}
    for pos in ("adj", "verb", "adv"):
        words, ptrs = wordnet_antonym_pointers(pos)
        for off, si, target, ti in ptrs:
            if target not in words or not si or not ti:
                continue
            a, b = words[off][si - 1], words[target][ti - 1]
            if "_" in a or "_" in b or zipf_frequency(a, "en") < 3.5 or zipf_frequency(b, "en") < 3.0:
                continue
            out.setdefault(a, b)
    return out


# verbs whose WordNet antonym depends on a sense the sentence rarely has ("take" / "give" measures)
LIGHT_VERBS = frozenset("be have do make get go come take give let keep put set say tell see look find think "
                        "know want need seem become begin start stop hold show".split())
# lemmas whose WordNet antonym is another sense than news uses (read off `train` flips only): "would" is "will"
# (bequeath: disinherit), "could" is "can" (fire: hire), "led" / "followed", "faced" / "backed", "rode" / "walked"
OTHER_SENSE = frozenset("will can lead follow face back relate ride walk collect spread work idle".split())
AUX_BEFORE_BASE = frozenset("to will would can could may might must should shall did does do not".split())
BE_FORMS = frozenset("is are was were be been being am".split())


@cache
def verb_antonyms() -> dict[str, tuple[str, ...]]:
    """WordNet verb antonyms over all senses (lemma -> antonyms): mobilize/demobilize, rise/fall, advance/withdraw.
    `wordnet_antonyms` keeps one per word and matches surface forms only, so inflected news verbs ("mobilized",
    "rose") rarely flipped. An antonym pointer joins two senses, so each synonym of the source word in that sense
    takes the antonym ("withdraw", "retreat" / "advance"). Source verb common (Zipf >= 3), antonym a real word
    (>= 1.5), light verbs left out."""
    from wordfreq import zipf_frequency

    words, ptrs = wordnet_antonym_pointers("verb")
    out: dict[str, set[str]] = defaultdict(set)
    for off, si, target, ti in ptrs:
        if target not in words or not si or not ti:
            continue
        b = words[target][ti - 1]
        for a in words[off]:  # the senses are opposites: every synonym of the source word takes the antonym
            if "_" in a or "_" in b or a in LIGHT_VERBS or b in LIGHT_VERBS:
                continue
            if zipf_frequency(a, "en") >= 3.0 and zipf_frequency(b, "en") >= 1.5:
                out[a].add(b)
    return {a: tuple(sorted(bs)) for a, bs in out.items()}


def _verb_antonym(s: str, rng: random.Random) -> str | None:
    """One inflected verb of the predicate replaced by a WordNet antonym in the same form: "has mobilized" /
    "has demobilized", "exports rose" / "exports fell". A form is read as a verb only where English makes it one:
    past forms anywhere after the subject, a base form after to/will/did…, -ing after a form of be, -s as the first
    verb-like word."""
    from lemminflect import getAllInflections, getAllLemmas, getInflection

    ants = verb_antonyms()
    cut = _main_verb(s) or s.find(" ") + 1  # "Exports rose": an irregular past is not verb-like to _main_verb
    words = s.split(" ")
    pos, cands = 0, []
    for i, w in enumerate(words):
        start, pos = pos, pos + len(w) + 1
        core = w.strip(",.;:\"'()")
        if start < cut or not core.isalpha() or not core.islower():
            continue
        prev = words[i - 1].lower() if i else ""
        for lemma in getAllLemmas(core, upos="VERB").get("VERB", ()):
            if lemma not in ants or lemma in OTHER_SENSE or core in AUX_BEFORE_BASE:
                continue
            tags = [t for t, forms in getAllInflections(lemma, upos="VERB").items() if core in forms]
            tag = next((t for t in ("VBD", "VBN") if t in tags), None)
            if tag is None and "VB" in tags and prev in AUX_BEFORE_BASE:
                tag = "VB"
            elif tag is None and "VBG" in tags and prev in BE_FORMS:
                tag = "VBG"
            elif tag is None and "VBZ" in tags and start == cut:
                tag = "VBZ"
            if tag:
                cands.append((i, core, lemma, tag))
                break
    if not cands:
        return None
    i, core, lemma, tag = rng.choice(cands)
    forms = getInflection(rng.choice(ants[lemma]), tag)
    if not forms or forms[0] == core:
        return None
    words[i] = words[i].replace(core, forms[0])
    return " ".join(words)


def verb_flips(split: str, seed: int) -> Iterator[dict]:
    """One verb-antonym contradiction per sentence of a split (`_verb_antonym`), a random order each. Its own
    generator and random stream, so the six kinds of `generated` (and their held-apart tables) stay as they were."""
    rng = random.Random(seed)
    done: set[str] = set()
    for doc in article_sentences(split):
        for s in doc:
            if not 30 <= len(s) <= 400 or s in done:
                continue
            done.add(s)
            h = _verb_antonym(s, rng)
            if h and h != s:
                p, q = (s, h) if rng.random() < 0.5 else (h, s)
                yield {"p": p, "h": q, "y": 2, "kind": "3way", "src": "flip-verb"}


def _wordnet_antonym(s: str, rng: random.Random) -> str | None:
    ants = wordnet_antonyms()
    words = s.split(" ")
    idx = [i for i, w in enumerate(words) if w.strip(",.;:").lower() in ants and len(w.strip(",.;:")) > 2]
    if not idx:
        return _antonym(s, rng)
    i = rng.choice(idx)
    core = words[i].strip(",.;:")
    rep = ants[core.lower()]
    words[i] = words[i].replace(core, rep.capitalize() if core[0].isupper() else rep)
    return " ".join(words)


NAME = r"[A-Z][\w'’-]+(?:\s(?:of\s|the\s)?[A-Z][\w'’-]+){0,3}"
# predicates with one answer: a different object is a contradiction ("was held in Beijing" / "… in Shanghai")
ONE_ANSWER = re.compile(
    rf"\b(?:was|were|is|are|will be|has been|had been) (?:born|held|elected|appointed|named|founded|killed|located|"
    rf"based|arrested|buried|built|launched|opened|signed|released|hosted|won|headquartered|sentenced|detained|"
    rf"staged|organized|organised|convened) (?:in|at|as|by|on|to) (?:the )?(?P<obj>{NAME})"
    rf"|\b(?:won|defeated|beat|took place in|died in|captured|became|capital of|headquartered in|located in|"
    rf"native of|president of|President of|mayor of|Mayor of|minister of|Minister of|governor of|Governor of|"
    rf"chairman of|head of|leader of|ambassador to|Ambassador to|held in|hosted by|organized by|issued by|"
    rf"published by|sponsored by|arrived in|returned to|flew to) (?:the )?(?P<obj2>{NAME})")
# the subject does something others may also do: a different subject is *not* a contradiction
SHARED_ACT = re.compile(rf"^(?P<subj>{NAME}) (?:also |then |later |had |has |have )?(?:attended|visited|met|said|"
                        r"stated|delivered|spoke|called for|expressed|urged|welcomed|stressed|noted|pointed out|"
                        r"added|participated|took part|announced|praised|criticized|criticised|signed|joined|"
                        r"arrived|left|held talks|congratulated|thanked|presented|introduced|hosted|chaired)\b")


def _names(text: str) -> list[str]:
    """Proper names: capitalised runs whose words are rare as ordinary words (not "What", "Party", "May")."""
    from checker.names import FUNCTION_WORDS, zipf

    out = []
    for m in re.finditer(NAME, text):
        name = re.sub(r"['’]s$", "", m.group())
        words = [w for w in name.split() if w not in ("of", "the")]
        if (len(m.group()) > 3 and not set(words) & (set(WEEKDAYS) | set(MONTHS) | FUNCTION_WORDS)
                and all(zipf(w) < 4.5 for w in words)):
            out.append(name)
    return out


def _swap_object(s: str, pool: list[str], rng: random.Random) -> str | None:
    m = ONE_ANSWER.search(s)
    if not m:
        return None
    g = "obj" if m.group("obj") else "obj2"
    if not _names(m.group(g)):
        return None  # "was born in February": a date, not a name
    cands = [n for n in pool if n != m.group(g) and n not in s]
    if not cands:
        return None
    return s[:m.start(g)] + rng.choice(cands) + s[m.end(g):]


def _quantifier(s: str, rng: random.Random) -> str | None:
    plural = r"\ball (?=[a-z]+s\b)(?!over\b|these\b|those\b|its\b|his\b|their\b)"
    for pat, rep in ((r"\ball of the\b", "none of the"), (r"\bnone of the\b", "all of the"), (plural, "no "),
                     (r"\beveryone\b", "no one"), (r"\balways\b", "never"), (r"\bevery\b", "no")):
        if re.search(pat, s):
            return re.sub(pat, rep, s, count=1)
    return None


VERBISH = re.compile(r"\b(?:is|are|was|were|has|have|had|will|would|can|could|should|must|did|does|do|said|says|"
                     r"\w+ed|\w+es)\b")
NUMBER = re.compile(r"\b\d[\d,]*(?:\.\d+)?\b")


def _main_verb(s: str) -> int:
    """Where the predicate starts (the first verb-like word after the subject), or 0 when unclear."""
    m = VERBISH.search(s, 1)
    return m.start() if m else 0


def _swap_number_at(s: str, rng: random.Random, predicate: bool) -> str | None:
    """Change a number in the predicate (a contradiction) or in the subject (another thing: neutral)."""
    cut = _main_verb(s)
    if not cut:
        return None
    nums = [m for m in NUMBER.finditer(s) if (m.start() >= cut) == predicate]
    if not nums:
        return None
    m = rng.choice(nums)
    changed = _swap_number(s[m.start():m.end()], rng)
    if not changed or changed == m.group():
        return None
    return s[:m.start()] + changed + s[m.end():]


def flip(s: str, kind: str, names: list[str], rng: random.Random) -> str | None:
    """A contradiction of `s` of the given kind, or None where the sentence offers none."""
    if kind == "negation":
        return _negate(s, rng)
    if kind == "antonym":
        return _wordnet_antonym(s, rng)
    if kind == "number":
        return _swap_number_at(s, rng, predicate=True)
    if kind == "entity":
        return _swap_object(s, names, rng)
    if kind == "date":
        return _swap_from(s, WEEKDAYS, rng) or _swap_from(s, MONTHS, rng)
    if kind == "quantifier":
        return _quantifier(s, rng)
    raise ValueError(kind)


def entity_variants(split: str, seed: int, per_sentence: int = 6) -> Iterator[dict]:
    """More one-answer object swaps than `generated` makes (one per sentence, ~200 in `train`): up to
    `per_sentence` different names put in the object's place, names of the same article first, both orders.
    "Was held in Shaoshan" vs "… in Jiaxing" is the kind the stage-6 model read as neutral."""
    rng = random.Random(seed)
    docs = article_sentences(split)
    pool = sorted({n for d in docs for s in d for n in _names(s)})
    done: set[str] = set()
    for doc in docs:
        local = sorted({n for s in doc for n in _names(s)})
        for s in doc:
            if not 30 <= len(s) <= 400 or s in done:
                continue
            done.add(s)
            made: set[str] = set()
            for names in [local] * per_sentence + [pool] * per_sentence:  # the article's names first
                if len(made) >= per_sentence:
                    break
                h = _swap_object(s, names, rng) if len(names) > 1 else None
                if h and h != s and h not in made:
                    made.add(h)
                    p, q = (s, h) if rng.random() < 0.5 else (h, s)
                    yield {"p": p, "h": q, "y": 2, "kind": "3way", "src": "flip-entity-extra"}


def agent_swap(s: str, names: list[str], rng: random.Random) -> str | None:
    """Another agent doing the same non-exclusive thing: neutral, never a contradiction."""
    m = SHARED_ACT.match(s)
    if not m:
        return None
    cands = [n for n in names if n != m.group("subj") and n not in s]
    if not cands:
        return None
    return rng.choice(cands) + s[m.end("subj"):]


def entailed(s: str, rng: random.Random) -> list[str]:
    return [h for h in (_reporting(s, rng), _reorder(s), _truncate(s), _drop_attribution(s)) if h and h != s]


def article_sentences(split: str, one_system: bool = False) -> list[list[str]]:
    """Prose sentences per article of a split; one_system keeps one translation per source document."""
    seen: set[tuple[int, str]] = set()
    out = []
    for a in mqm_articles():
        if a.split != split or (one_system and (a.year, a.doc) in seen):
            continue
        seen.add((a.year, a.doc))
        out.append([a.text[x:y] for x, y in prose_sentences(a.text)])
    return out


def generated(split: str, seed: int) -> Iterator[dict]:
    """Flips (contradiction, both orders), entailments and agent swaps (neutral) from one split's sentences."""
    rng = random.Random(seed)
    docs = article_sentences(split)
    pool = sorted({n for d in docs for s in d for n in _names(s)})
    done: set[str] = set()
    for doc in docs:
        local = sorted({n for s in doc for n in _names(s)}) or pool
        for s in doc:
            if not 30 <= len(s) <= 400 or s in done:  # systems often agree on a sentence: use it once
                continue
            done.add(s)
            for kind in FLIP_KINDS:
                h = flip(s, kind, local if kind == "entity" and len(local) > 1 else pool, rng)
                if h and h != s:
                    p, q = (s, h) if rng.random() < 0.5 else (h, s)
                    yield {"p": p, "h": q, "y": 2, "kind": "3way", "src": f"flip-{kind}"}
            for h in entailed(s, rng):
                yield {"p": s, "h": h, "y": 0, "kind": "3way", "src": "news-entail"}
            h = _swap_number_at(s, rng, predicate=False)
            if h and h != s:  # "the 8-gram coin shows a panda" / "the 30-gram coin shows a panda": two coins
                yield {"p": s, "h": h, "y": 1, "kind": "3way", "src": "subject-number"}
            other = rng.choice(doc)
            m = re.search(r",\s+(?:and\s+)?(?=[a-z])", s)
            if m and other != s and len(other) < 200:  # one telling adds a clause the other lacks: consistent
                longer = s[:m.end()] + other[0].lower() + other[1:].rstrip(".") + ", " + s[m.end():]
                yield {"p": s, "h": longer, "y": -1, "kind": "notc", "src": "clause-added"}
                yield {"p": longer, "h": s, "y": -1, "kind": "notc", "src": "clause-added"}
            h = agent_swap(s, local if len(local) > 1 else pool, rng)
            if h:
                yield {"p": s, "h": h, "y": 1, "kind": "3way", "src": "agent-swap"}
                yield {"p": h, "h": s, "y": 1, "kind": "3way", "src": "agent-swap"}


def hard_negatives(split: str, seed: int, systems_per_doc: int = 4, per_article: int = 8) -> Iterator[dict]:
    """Pairs the rule selects in real articles: not contradictions (the loss only pushes P(contradiction) down)."""
    rng = random.Random(seed)
    by_doc: dict[tuple[int, str], list[Article]] = defaultdict(list)
    for a in mqm_articles():
        if a.split == split:
            by_doc[(a.year, a.doc)].append(a)
    for key in sorted(by_doc):
        arts = by_doc[key]
        for a in rng.sample(arts, min(systems_per_doc, len(arts))):
            pairs = rule_pairs(a.text, subjects=False)
            for p, h in rng.sample(pairs, min(per_article, len(pairs))):
                yield {"p": p, "h": h, "y": -1, "kind": "notc", "src": "mqm-pairs"}
                yield {"p": h, "h": p, "y": -1, "kind": "notc", "src": "mqm-pairs"}


def paraphrases(split: str, seed: int, per_doc: int = 60) -> Iterator[dict]:
    """One source sentence translated by two MT systems: near-identical wording, the same claim. The hard case
    for a contradiction model (a small difference is not a contradiction); the loss only pushes P(c) down."""
    rng = random.Random(seed)
    segs: dict[tuple[int, str], dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for year in (2020, 2021):
        with lzma.open(NEWS / f"mqm_newstest{year}_zhen.tsv.xz", "rt", encoding="utf-8") as f:
            for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                if doc_split(year, r["doc"]) != split:
                    continue
                text = " ".join(re.sub(r"</?v>", "", r["target"] or "").split())
                if 30 <= len(text) <= 400:
                    segs[(year, r["doc"])][int(r["seg_id"])].add(text)
    for key in sorted(segs):
        pairs = [(a, b) for versions in segs[key].values() for a in sorted(versions) for b in sorted(versions)
                 if a < b]
        for a, b in rng.sample(pairs, min(per_doc, len(pairs))):
            yield {"p": a, "h": b, "y": -1, "kind": "notc", "src": "mt-paraphrase"}


# -- public NLI sets -------------------------------------------------------------------------------------------

def _tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def taxinli(part: str) -> list[dict]:
    """MultiNLI pairs with genre: part 'train' (taxinli10k) or 'dev' (the MNLI-dev part, for evaluation)."""
    name = "taxinli10k.tsv" if part == "train" else "taxinli10k_MNLIDev.tsv"
    return [{"p": r["prem"], "h": r["hyp"], "y": LABELS[r["label"]], "kind": "3way", "src": f"mnli-{r['genre']}"}
            for r in _tsv(NLI / "taxinli" / name) if r.get("label") in LABELS and r["prem"] and r["hyp"]]


def conjnli(part: str) -> list[dict]:
    name = "adversarial_train_15k.tsv" if part == "train" else "conj_dev.tsv"
    out = []
    for r in _tsv(NLI / "conjnli" / name):
        y = LABELS.get((r.get("Label") or "").strip())
        if y is not None and r["Premise"] and r["Hypothesis"]:
            out.append({"p": r["Premise"], "h": r["Hypothesis"], "y": y, "kind": "3way", "src": "conjnli",
                        "w": 0.5 if y == 2 else 1.0})  # conjunct swaps are weak contradictions: weighed down
    return out


def docnli_binary(exclude_premises: set[str]) -> list[dict]:
    """Entailment vs not (never read as contradiction), minus premises of the MNLI dev pairs we report on."""
    out = []
    for sub in ("binary-MNLI", "binary-FEVER-NLI"):
        for name in ("dev.txt", "test.txt"):
            for line in (NLI / "docnli-binary" / sub / name).read_text(encoding="utf-8").splitlines():
                parts = line.split("\t")
                if len(parts) != 3 or parts[1] in exclude_premises:
                    continue
                out.append({"p": parts[1], "h": parts[2], "y": 1 if parts[0] == "entailment" else 0,
                            "kind": "binary", "src": sub})
    return out


def summedits_news() -> list[dict]:
    """Real news documents with a consistent (1) or edited, inconsistent (0) summary."""
    rows = json.loads((NLI / "summedits" / "summedits_news.json").read_text(encoding="utf-8"))
    return [{"doc": r["doc"], "summary": r["summary"], "consistent": int(r["label"]) == 1,
             "edit_types": r.get("edit_types", "")} for r in rows]
