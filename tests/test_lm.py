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


def test_a_batch_of_short_texts_reads_like_one_text_at_a_time(checker):
    """`score_many` (dev-set extraction of single sentences): the same tokens and offsets as `score`, scores and
    hidden states equal up to bf16 summation order across batch shapes (never compared exactly)."""
    import numpy as np

    lm = checker.models.lm
    texts = ["Send his army.", "", "The the minister said talks would go on in Geneva next week, officials said.",
             "Russia added that it would determine further action after carefully study the response."]
    many = lm.score_many(texts, hidden=True)
    assert len(many) == len(texts) and many[1].tokens == []
    for text, got in zip(texts, many):
        one = lm.score(text, hidden=True)
        assert [(t.start, t.end, t.piece) for t in got.tokens] == [(t.start, t.end, t.piece) for t in one.tokens]
        if one.tokens:
            gap = max(abs(a.surprisal - b.surprisal) for a, b in zip(got.tokens, one.tokens))
            assert gap < 0.5, gap
            cos = (got.hidden.astype(np.float32) * one.hidden.astype(np.float32)).sum(1) / (
                np.linalg.norm(got.hidden.astype(np.float32), axis=1) * np.linalg.norm(one.hidden.astype(np.float32),
                                                                                       axis=1))
            assert cos.min() > 0.99


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



def test_a_middle_layer_is_read_from_the_same_pass(checker, seed_text):
    """Garble 3.2's break head reads layer 10's states: from the same pass as the final ones (surprisal and final
    states unchanged), one unit-RMS row per token, across windows, batched (`score_many`) and without the output
    layer (`states_many`, the training extraction) alike up to bf16 summation order; not the final states."""
    import numpy as np

    from checker.lm import LanguageModel

    lm = checker.models.lm
    text = seed_text[:1500]
    plain, tapped = lm.score(text, hidden=True), lm.score(text, hidden=True, layers=(10,))
    assert [t.surprisal for t in plain.tokens] == [t.surprisal for t in tapped.tokens]
    assert np.array_equal(plain.hidden, tapped.hidden) and plain.layers == {} and set(tapped.layers) == {10}
    h = tapped.layers[10].astype(np.float32)
    assert h.shape == plain.hidden.shape and np.isfinite(h).all()
    assert np.allclose(np.sqrt((h ** 2).mean(1)), 1.0, atol=0.01)

    def cosines(a, b):
        a, b = a.astype(np.float32), b.astype(np.float32)
        return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))

    assert np.median(cosines(h, plain.hidden)) < 0.9  # another layer, not the final states again
    small = LanguageModel.__new__(LanguageModel)
    small.__dict__.update(lm.__dict__)
    small.window, small.context = 200, 100
    windowed = small.score(text, hidden=True, layers=(10,)).layers[10]
    assert windowed.shape == h.shape and cosines(windowed[:150], h[:150]).min() > 0.99  # the first window
    short = "Russia added that it would determine further action after carefully study the response."
    one = lm.score(short, layers=(10,))
    assert one.hidden is None and one.layers[10].shape[0] == len(one.tokens)
    many = lm.score_many([short, "Send his army."], hidden=True, layers=(10,))[0].layers[10]
    only = lm.states_many([short, text], (7, 10))
    assert cosines(one.layers[10], many).min() > 0.99 and cosines(one.layers[10], only[0][10]).min() > 0.99
    assert cosines(h, only[1][10]).min() > 0.99 and only[1][7].shape == h.shape
    with pytest.raises(ValueError, match="no layer"):
        lm.score(short, layers=(99,))

def test_proposals_read_where_the_pass_read_the_name(checker, monkeypatch):
    """`propose_at` asks at token positions of the scored text, in the pass's own context, all names at once;
    each gets the words it gets alone, and a long text asks past its first window too."""
    from checker.features import visible_start

    lm = checker.models.lm
    text = ("Ukrainian Foreign Minister Dmitro Kuleva met the press. The talks in Geneva were led by US Secretary "
            "of State Antony Blinkin. Russian President Vladimir Puttin did not attend.")
    out = lm.score(text)
    starts = [visible_start(text, t) for t in out.tokens]
    at = [starts.index(text.index(w)) for w in ("Kuleva", "Blinkin", "Puttin")]
    together = lm.propose_at(out, at)
    alone = [lm.propose_at(out, [i])[0] for i in at]
    assert [[w for w, _ in c] for c in together] == [[w for w, _ in c] for c in alone]
    for a, b in zip(together, alone):  # bf16 rounding differs with the batch's shape: small
        assert all(abs(x - y) < 0.5 for (_, x), (_, y) in zip(a, b))
    assert [c[0][0] for c in together] == ["Kuleba", "Blinken", "Putin"]
    limited = lm.propose_at(out, at, keep=lambda k, piece: piece.lstrip("▁").startswith("Bl"), limit=1)
    assert [[w for w, _ in c] for c in limited] == [[], ["Blinken"], []]
    assert abs(limited[1][0][1] - together[1][0][1]) < 0.5  # another batch shape: bf16 rounding, never exact
    # past the kept windows: the window is computed again, with the same answer
    small = type(lm).__new__(type(lm))
    small.__dict__.update(lm.__dict__)
    small.window, small.context = 24, 8
    import checker.lm as lm_module

    monkeypatch.setattr(lm_module, "MAX_KEPT_WINDOWS", 1)
    far = small.score(text)
    assert len(far.context.windows) == 2 and far.context.windows[-1].cache is None
    assert small.propose_at(far, [at[2]])[0][0][0] == "Putin"


def test_name_suspect_on_the_seed(seed_report):
    found = {f.data["written"]: f.data["suggestion"] for f in seed_report.findings if f.rule == "name-suspect"}
    assert found == {"Kuleva": "Kuleba", "Matteusi": "Mateusz"}


@pytest.mark.parametrize(("right", "wrong"), [("Macron", "Makron"), ("Biden", "Bidden")])
def test_name_suspect_catches_a_famous_name_misspelt(checker, seed_text, right, wrong):
    """The first-letter filter (read from the LM pass) keeps these names asked, and the proposal fixes them."""
    from checker.ingest import Document

    report = checker.check(Document(seed_text.replace(right, wrong), "t.txt", "0" * 64))
    found = {f.data["written"]: f.data["suggestion"] for f in report.findings if f.rule == "name-suspect"}
    assert found.get(wrong) == right
