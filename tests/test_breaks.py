"""Generated breaks (garble v3's supervision and dev rows): every kind changes the sentence and its span marks
what broke; MLQE-PE lines keep each MT token's span after detokenising."""

from __future__ import annotations

import random

import numpy as np
import pytest

from checker.features import span_tokens
from checker.garble.tagger import word_flags
from checker.tokens import TokenScore
from checker_dev import breaks
from checker_dev.mlqe import detokenise

SENTENCES = [
    "The ministry said on Tuesday that the army would send more troops to the border region next week.",
    "Russia added that it would determine further action after carefully studying the response from Kyiv.",
    "Local officials were studying the damage, and the governor has asked residents to stay at home tonight.",
    "He told reporters that the new policy is expected to cut emissions by a third over the coming decade.",
]


@pytest.mark.parametrize("kind", breaks.KINDS)
def test_every_kind_breaks_some_sentence_and_marks_it(kind: str) -> None:
    rng = random.Random(3)
    made = [b for s in SENTENCES for _ in range(3) if (b := breaks.make_break(s, kind, rng, "国有企业走进老区"))]
    assert made, f"{kind}: no sentence offered a place"
    for b in made:
        assert b.kind == kind and b.text not in SENTENCES
        a, e = b.span
        assert 0 <= a < e <= len(b.text) and b.text[a:e].strip() == b.text[a:e]


def test_spans_mark_the_changed_words() -> None:
    rng = random.Random(0)
    s = SENTENCES[0]
    rep = breaks.make_break(s, "repeat-word", rng)
    assert rep is not None
    a, e = rep.span
    word = rep.text[a:e]
    assert rep.text[:a].rstrip().endswith(word) and rep.text.replace(f"{word} {word}", word, 1) == s
    han = breaks.make_break(s, "source-script", rng, "国有企业走进老区")
    assert han is not None and all("\u4e00" <= c <= "\u9fff" for c in han.text[han.span[0]:han.span[1]])
    frag = breaks.make_break(s, "fragment", rng)
    assert frag is not None and frag.text[frag.span[0]:frag.span[1]].endswith(".") and frag.span[1] == len(frag.text)
    drop = breaks.make_break(s, "drop-function", rng)
    assert drop is not None and len(drop.text.split()) == len(s.split()) - 1


def test_short_sentences_are_left_alone() -> None:
    assert breaks.make_break("Send his army.", "repeat-word", random.Random(0)) is None


def test_word_flags_see_repeats_and_other_scripts() -> None:
    text = "They met the the minister and said said it 发展 was over."
    toks, pos = [], 0
    for w in text.split(" "):
        start = text.index(w, pos)
        toks.append(TokenScore(pos if pos == 0 else start - 1, start + len(w), 1.0))
        pos = start + len(w)
    st = span_tokens(text, toks, list(range(len(toks))), 0)
    flags = word_flags(text, st)
    words = text.split(" ")
    assert [w for w, f in zip(words, flags[:, 0]) if f] == ["the", "said"]
    assert [w for w, f in zip(words, flags[:, 2]) if f] == ["发展"]
    assert not flags[:, 1].any()
    text2 = "It said the army the army would go."
    toks2, pos = [], 0
    for w in text2.split(" "):
        start = text2.index(w, pos)
        toks2.append(TokenScore(start, start + len(w), 1.0))
        pos = start + len(w)
    flags2 = word_flags(text2, span_tokens(text2, toks2, list(range(len(toks2))), 0))
    assert np.flatnonzero(flags2[:, 1]).tolist() == [4, 5]  # the copy, as the generated span marks it


def test_mlqe_lines_are_detokenised_with_token_spans() -> None:
    toks = 'He said " we are ( not ) here " , and it \'s fine .'.split()
    text, spans = detokenise(toks)
    assert text == 'He said "we are (not) here", and it\'s fine.'
    assert [text[a:b] for a, b in spans] == toks
