"""`name-variant`: one person or place spelled two ways in one article (Kiev/Kyiv, Zelensky/Zelenskyy).

Near-identical capitalised words are candidates; a candidate is reported only once it is confirmed: GeoNames
knows both spellings as one place, or they are a known transliteration pair, or the language model, asked at
one spelling in the context the LM pass read it, strongly prefers the other. Candidates that are not two
spellings of one name are dropped first: a common word ("Chief"/"Chen", "Plan"/"Pham"), a nationality
("Chinese"), a longer word built on a shorter one ("Cheng"/"Chengdu"), MT debris glued to the next word
("ChineseIs"), two different known places ("Henan"/"Hunan", "Shaanxi"/"Shanxi"), two different runs of pinyin
syllables ("Shouhai"/"Shouqi": different characters), and two spellings never used in the same role ("the Darui
Railway" beside "from Dali to Ruili": one names a railway, the other a city).
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict

from checker.features import visible_start
from checker.findings import Finding
from checker.names import Mention, edit_distance, is_derivation, mentions, zipf
from checker.pinyin import two_chinese_words
from checker.places import is_nationality, is_place, same_place
from checker.rules.base import Context, Rule, RuleInfo, register

COMMON = 4.5  # Zipf frequency from which a word is an ordinary English word first ("Chief", "Road", "Navy")
MARGIN = 2.0  # nats by which the LM must prefer the other spelling (about 7 times as likely)
LOWER_WORD = re.compile(r"(?<![\w’'-])[a-z][a-z’'-]+")
MAX_PAIRS = 20  # candidates asked of the LM per article: the cost stays linear
HEAD = 3.5  # Zipf from which a capitalised word after a name is a common noun it modifies ("Railway", "Town")
NEXT_WORD = re.compile(r"[ \t]+([A-Z][a-z]{2,})\b")
ALTERNATIVES = 3  # the model's likeliest first pieces at a name: the other spelling must come from one of them
# transliterations that agencies themselves print both ways, so context cannot pick one
KNOWN = {frozenset(p) for p in (("Zelensky", "Zelenskyy"), ("Zelensky", "Zelenskiy"), ("Zelenskyy", "Zelenskiy"),
                                ("Navalny", "Navalnyy"), ("Medvedev", "Medvedew"))}


ENGLISH_SUFFIXES = frozenset({"", "s", "es", "ed", "ing", "ion", "ions", "er", "ers", "or", "ors", "al", "ly", "ity",
                              "ment", "ments", "ive", "e", "y", "ies", "ist", "ists", "ism", "ic"})


def inflected(a: str, b: str) -> bool:
    """"Celebrating" / "Celebration": one English stem with two endings, not one name spelt two ways."""
    n = 0
    while n < min(len(a), len(b)) and a[n].lower() == b[n].lower():
        n += 1
    return any(a[k:].lower() in ENGLISH_SUFFIXES and b[k:].lower() in ENGLISH_SUFFIXES for k in range(5, n + 1))


def candidate(a: str, b: str) -> bool:
    """Close enough to be one name spelt two ways, and not one of the look-alikes that are two words."""
    if a[0] != b[0] or min(len(a), len(b)) < 4 or is_derivation(a, b) or inflected(a, b):
        return False
    if edit_distance(a, b, 2) > 2:
        return False
    short, long_ = sorted((a, b), key=len)
    if long_.startswith(short) and len(long_) - len(short) >= 2:
        return False  # "Cheng"/"Chengdu", "Consul"/"Consular": a longer word, not a second spelling
    if any(c.isupper() for w in (a, b) for c in w[1:]) and a.lower() != b.lower():
        return False  # "ChineseIs": a sentence glued to the next by the feed
    return not (zipf(a) >= COMMON or zipf(b) >= COMMON or is_nationality(a) or is_nationality(b))


@register
class NameVariant(Rule):
    infos = (RuleInfo(
        "name-variant", "Name variant", "warning",
        "The same name is spelled two ways in one article.",
        (
            "Capitalised names within two letters of each other that share their first letter are candidates "
            "(Kiev/Kyiv, Zelensky/Zelenskyy, Kuleva/Kuleba). Common words, nationalities, a longer word built on a "
            "shorter one, two different known places or provinces, two different runs of pinyin syllables "
            "(Shouhai/Shouqi) and two spellings never used in the same role (\"Darui Railway\" / \"Dali\") are "
            "dropped; a candidate is reported when GeoNames knows "
            "both spellings as one place, when they are a known transliteration pair, or when the language model, "
            "asked at one spelling, strongly prefers the other there. House spellings can be allowed in the "
            "configuration."
        ),
        issue_type="misspelling", category="typos",
    ),)
    needs = ("lm",)

    def run(self, ctx: Context) -> list[Finding]:
        pairs, by_name = self.candidate_pairs(ctx.document.text, [(s.id, s.start, s.end) for s in ctx.prose],
                                              ctx.settings.allow)
        confirmed = {p: why for p in pairs if (why := self.known(*p))}
        asked = [p for p in pairs if p not in confirmed][:MAX_PAIRS]
        confirmed |= self.asked_lm(ctx, asked, by_name)
        out, used = [], set()
        for a, b in pairs:
            if (a, b) not in confirmed or {a, b} & used:
                continue
            occ = sorted(by_name[a] + by_name[b], key=lambda m: m.start)
            counts = f"“{a}” ×{len(by_name[a])}, “{b}” ×{len(by_name[b])}"
            d = edit_distance(a, b, 2)
            out.append(Finding(
                self.id, self.infos[0].default_severity,
                f"Name spelled two ways: {counts} ({confirmed[(a, b)]}). Pick one spelling.",
                sorted({m.sentence for m in occ}), occ[0].start, occ[0].end, 1.0 - d / 10,
                spans=[(m.start, m.end) for m in occ], data={"variants": [a, b], "confirmed": confirmed[(a, b)]}))
            used |= {a, b}
        return out

    @staticmethod
    def candidate_pairs(text: str, sentences: list[tuple[int, int, int]], allow: frozenset[str] = frozenset()
                        ) -> tuple[list[tuple[str, str]], dict[str, list[Mention]]]:
        """The pairs worth confirming (model-free), and each name's mentions: what `run` asks about, and what an
        evaluation reads to skip articles with nothing to ask."""
        ments = [m for m in mentions(text, sentences)
                 if not m.initial or zipf(m.text) < 4.0]
        lower = set(LOWER_WORD.findall(text))  # a spelling the article also writes in lower case is a word
        by_name: dict[str, list[Mention]] = defaultdict(list)
        for m in ments:
            by_name[m.text].append(m)
        names = sorted(by_name)
        pairs: list[tuple[str, str]] = []
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                if b[0] != a[0]:
                    break  # sorted: no later name shares the first letter (keeps this linear in practice)
                if a.lower() in allow or b.lower() in allow:
                    continue
                if frozenset((a, b)) in KNOWN:
                    pairs.append((a, b))
                    continue
                if not candidate(a, b):
                    continue
                if a.lower() in lower or b.lower() in lower:
                    continue  # "Shanghai Soap" beside "soap maker": the ordinary word, capitalised in a name
                if is_place(a) and is_place(b) and not same_place(a, b):
                    continue  # two places GeoNames or ISO 3166-2 knows apart ("Henan"/"Hunan", "Shaanxi"/"Shanxi")
                if same_place(a, b):
                    pairs.append((a, b))
                    continue
                if two_chinese_words(a, b):
                    continue  # "Fushou"/"Fushu": different syllables are different characters
                if different_roles(text, by_name[a], by_name[b]):
                    continue  # "Darui Railway" / "Dali": a railway and a city
                pairs.append((a, b))
        return pairs, by_name

    @staticmethod
    def known(a: str, b: str) -> str:
        if same_place(a, b):
            return "one place in GeoNames"
        return "a known transliteration pair" if frozenset((a, b)) in KNOWN else ""

    @staticmethod
    def asked_lm(ctx: Context, pairs: list[tuple[str, str]], by_name: dict[str, list[Mention]]
                 ) -> dict[tuple[str, str], str]:
        """Ask the LM at each spelling's first use what it expects there; a pair is confirmed when, at one
        spelling, the other is among its proposals and at least MARGIN nats likelier than what is written."""
        lm_out = ctx.lm
        if not pairs or lm_out is None or ctx.models is None:
            return {}
        text = ctx.document.text
        starts = [visible_start(text, t) for t in lm_out.tokens]
        queries: list[tuple[tuple[str, str], str, str, int, float]] = []  # (pair, written, other, token, surprisal)
        for a, b in pairs:
            for written, other in ((a, b), (b, a)):
                m = by_name[written][0]
                i = bisect.bisect_left(starts, m.start)
                if i >= len(starts) or starts[i] != m.start:
                    continue  # a name starting inside a token cannot be asked where it starts
                actual = _surprisal(lm_out.tokens, starts, i, m.end)
                queries.append(((a, b), written, other, i, actual))
        initials = [q[1][0] for q in queries]
        # the model's own few likeliest first pieces at the name, kept when they share its first letter: asking
        # instead how likely the other spelling is there confirms any rare name beside a similar one in context
        # (the model copies), e.g. "Anan" beside "Ayman Nour" (dev: 58 findings, many such)
        proposals = ctx.models.lm.propose_at(
            lm_out, [q[3] for q in queries], alternatives=ALTERNATIVES,
            keep=lambda k, piece: piece.replace("▁", " ").strip()[:1] == initials[k])
        out: dict[tuple[str, str], str] = {}
        for (pair, written, other, _i, actual), words in zip(queries, proposals):
            cost = min((v for w, v in words if w == other), default=None)
            if cost is not None and actual - cost >= MARGIN and pair not in out:
                out[pair] = f"the language model expects “{other}” where “{written}” is written"
        return out


def role(text: str, m: Mention) -> str:
    """What a mention names: the common noun it modifies when one follows ("Darui Railway" → "railway"),
    else the name itself ("name")."""
    nxt = NEXT_WORD.match(text, m.end)
    if nxt and zipf(nxt.group(1)) >= HEAD:
        return nxt.group(1).lower()
    return "name"


def different_roles(text: str, a: list[Mention], b: list[Mention]) -> bool:
    """One spelling only ever modifies common nouns the other never goes with: "Yima Town" / "Yimin Breeding
    Cooperative", "Darui Railway" / "Dali". A variant shares a use ("Xing'an Province" / "Xingan Province") or is
    used as a bare name on both sides."""
    return not ({role(text, m) for m in a} & {role(text, m) for m in b})


def _surprisal(tokens: list, starts: list[int], i: int, end: int) -> float:
    """The written name's surprisal: its tokens from `i` up to the end of the name."""
    total, j = 0.0, i
    while j < len(tokens) and starts[j] < end:
        total += tokens[j].surprisal
        j += 1
    return total
