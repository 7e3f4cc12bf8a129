"""The real Gemma model: tokenisation, windows, offsets."""

import pytest

pytestmark = pytest.mark.slow


def test_tokenisation_pinned(checker):
    # transformers 4.x splits this into "Se nd ▁h is ▁ar my ." with no error; 5.x must not
    assert checker.models.lm.pieces("Send his army.") == ["Send", "▁his", "▁army", "."]


def test_offsets_cover_text(checker, seed_text):
    toks = checker.models.lm.score(seed_text[:600]).tokens
    assert toks[0].start == 0
    for a, b in zip(toks, toks[1:]):
        assert a.end == b.start
    assert toks[-1].end == 600
    assert all(t.surprisal >= 0 for t in toks)


def test_sliding_windows_match_single_pass(checker, seed_text):
    from checker.lm import LanguageModel

    lm = checker.models.lm
    full = lm.score(seed_text).tokens
    small = LanguageModel.__new__(LanguageModel)
    small.__dict__.update(lm.__dict__)
    small.window, small.context = 200, 100
    windowed = small.score(seed_text).tokens
    assert [(t.start, t.end) for t in full] == [(t.start, t.end) for t in windowed]
    # with 100 tokens of left context the scores stay close to the one-pass scores
    diffs = [abs(a.surprisal - b.surprisal) for a, b in zip(full, windowed)]
    assert sum(diffs) / len(diffs) < 0.5


def test_garbled_token_more_surprising_in_context(checker):
    text = "Russia added that it would determine further action after carefully study the response."
    toks = checker.models.lm.score(text).tokens
    study = next(t for t in toks if text[t.start:t.end].strip() == "study")
    studying = checker.models.lm.score(text.replace("carefully study", "carefully studying")).tokens
    ing = next(t for t in studying if "study" in text.replace("carefully study", "carefully studying")[t.start:t.end])
    assert study.surprisal > ing.surprisal


def test_hidden_states_follow_tokens_across_windows(checker, seed_text):
    """A garble scorer may ask for hidden states: one row per token, identical whether windowed or not."""
    import numpy as np

    from checker.lm import LanguageModel

    lm = checker.models.lm
    out = lm.score(seed_text[:1500], hidden=True)
    assert out.hidden.shape == (len(out.tokens), lm.model.config.hidden_size)
    small = LanguageModel.__new__(LanguageModel)
    small.__dict__.update(lm.__dict__)
    small.window, small.context = 200, 100
    win = small.score(seed_text[:1500], hidden=True)
    assert win.hidden.shape == out.hidden.shape
    assert np.isfinite(win.hidden).all() and np.abs(win.hidden).sum(axis=1).min() > 0
