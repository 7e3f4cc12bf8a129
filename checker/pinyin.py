"""Mandarin pinyin syllables (from `pypinyin`'s character table, tones dropped).

A romanised Chinese word is a run of syllables, each one character: "Shouhai" and "Shouqi", "Yima" and "Yimin",
"Dali" and "Darui" are different characters, so two different runs are two words rather than one name spelt two
ways, however close their letters. (A garbled spelling such as "Koxili" for "Kaoxili" is usually no run at all.)
"""

from __future__ import annotations

import unicodedata
from functools import cache


@cache
def syllables() -> frozenset[str]:
    from pypinyin.pinyin_dict import pinyin_dict  # noqa: PLC0415 - 0.2 s of table: only when a rule asks

    out = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            folded = unicodedata.normalize("NFKD", reading)
            plain = "".join(c for c in folded if not unicodedata.combining(c)).lower()
            if any(v in plain for v in "aeiouv"):  # not the interjections "m", "ng", "hm"
                out.add(plain)
    return frozenset(out)


def plain(word: str) -> str:
    """The letters of a romanised word, lower case: "Xing'an" → "xingan", "Pang-chun" → "pangchun"."""
    return word.lower().replace("'", "").replace("’", "").replace("-", "")


@cache
def is_pinyin(word: str) -> bool:
    """"Shouhai", "Xing'an", "Zhengzhou": the whole word splits into pinyin syllables."""
    letters = plain(word)
    if not letters.isascii() or not letters.isalpha():
        return False
    known = syllables()
    reach = [True] + [False] * len(letters)
    for i in range(len(letters)):
        if reach[i]:
            for j in range(i + 1, min(len(letters), i + 6) + 1):
                if letters[i:j] in known:
                    reach[j] = True
    return reach[-1]


def two_chinese_words(a: str, b: str) -> bool:
    """Both spellings are pinyin and differ in more than an apostrophe: two different words ("Fushou" /
    "Fushu"), where "Chang'an" / "Changan" is one."""
    return plain(a) != plain(b) and is_pinyin(a) and is_pinyin(b)
