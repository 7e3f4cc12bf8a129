"""Garble v3: the break head, the short-input map, the break tagger (encoder) a model file may name, the underline
with its confidence, and "no single place" when the scorer cannot point at the words."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from checker.garble import load_garble
from checker.modelstore import garble_path


def test_shipped_model_is_v3_with_a_break_head_and_a_context_head() -> None:
    spec = json.loads(garble_path().read_text())
    assert spec["class"] == "token-tagger" and spec["version"] == "3.3" and spec["blatant_repeats"]
    assert [h["name"] for h in spec["heads"]] == ["break"]
    assert spec["threshold"] >= spec["warning"]
    assert not spec["span_fallback"]  # v3 never underlines a guess
    assert spec["calib"]["operating_points"] == "held in each year's clean calib segments"
    scorer = load_garble()
    assert scorer.short_knots and all(x <= y + 10 for x, y in scorer.short_knots)
    # 3.3: both heads and the context head read layer 10; one sentence model per label
    assert scorer.hidden_layers == (10,) and len(scorer.sentence_models) == 2 and scorer.context is not None
    assert {"ctx_sentence", "ctx_max_p"} <= set(scorer.sentence_features)


def test_short_inputs_are_mapped_monotonically() -> None:
    from checker.garble.tagger import short_calibrated

    knots = [(1.0, -0.5), (3.0, 0.8)]
    probs = [i / 100 for i in range(1, 100)]
    mapped = [short_calibrated(p, knots) for p in probs]
    assert mapped == sorted(mapped)
    logit = lambda p: math.log(p / (1 - p))  # noqa: E731
    assert abs(logit(short_calibrated(1 / (1 + math.exp(-1.0)), knots)) + 0.5) < 1e-9
    assert abs(logit(short_calibrated(1 / (1 + math.exp(-3.0)), knots)) - 0.8) < 1e-9


def test_encoder_pieces_carry_offsets_into_the_sentence() -> None:
    from checker.garble.encoder import Encoder

    enc = Encoder()  # the package's encoder with an untrained head: the plumbing, not the judgement
    sentence = "Russia added that it would determine further action after carefully study the response."
    (p, offsets), (p_alone, _o) = enc.probabilities([("Moscow replied on Friday.", sentence), ("", sentence)])
    assert len(p) == len(offsets) and len(p_alone) == len(offsets)
    assert all(0 <= a < b <= len(sentence) for a, b in offsets)
    assert "".join(sentence[a:b] for a, b in offsets).lower() == sentence.replace(" ", "").lower()
    assert ((p >= 0) & (p <= 1)).all()


def test_a_model_file_naming_another_encoder_is_refused(tmp_path: Path) -> None:
    import torch
    from safetensors.torch import save_file

    save_file({"tagger.weight": torch.zeros(1, 384), "tagger.bias": torch.zeros(1)}, str(tmp_path / "enc.safetensors"))
    spec = json.loads((garble_path().parent / "garble-tagger-3.1.json").read_text())
    spec["encoder"] = {"file": "enc.safetensors", "sha256": "0" * 64, "span_min": 0.9}
    bad = tmp_path / "garble.json"
    bad.write_text(json.dumps(spec))
    with pytest.raises(ValueError, match="not the encoder"):
        load_garble(bad)


@pytest.mark.slow
def test_underline_carries_confidence_or_says_no_single_place(checker) -> None:
    from checker.ingest import Document

    clean = ("The minister said on Tuesday that the talks with the union would continue next week in the capital. "
             "Officials expect an agreement before the end of the month.")
    assert not [f for f in checker.check(Document(clean, "t.txt", "0" * 64)).findings if f.rule == "garbled"]
    text = clean.replace("the union", "the 工会")  # a word left in the source script
    report = checker.check(Document(text, "t.txt", "0" * 64))
    found = [f for f in report.findings if f.rule == "garbled"]
    assert found, [s.garble for s in report.sentences]
    for f in found:
        marks = f.data["underline"]
        s = report.sentences[f.sentences[0]]
        if marks:
            assert all(s.start <= m["start"] < m["end"] <= s.end and 0 <= m["confidence"] <= 1 for m in marks)
            assert (f.start, f.end) == (marks[0]["start"], marks[0]["end"])
        else:
            assert "no single place" in f.message and (f.start, f.end) == (s.start, s.end)
    first = report.sentences[found[0].sentences[0]]
    assert len(first.span_scores) == len(first.spans)
    assert any("工会" in text[a:b] for a, b in first.spans)


def test_a_word_said_twice_is_found_and_names_and_good_doubles_are_not() -> None:
    from checker.garble.tagger import blatant_repeat

    for text, word in (("He said the the talks resumed.", "the the"), ("We met on on Monday.", "on on"),
                       ("Officials said that the the bridge was closed.", "the the"),
                       ("It supplies food as well as well as medicine.", "as well as well"),
                       ("It dares to dare to dare to try.", "to dare to dare")):
        found = blatant_repeat(text)
        assert found is not None and text[found[0]:found[1]] == word
    for text in ("Reporter Li Li said.", "Sir Run Run Shaw Hospital opened.", "He had had enough.",
                 "What it is is a start.", "He was taken in in the church.", "The vote was 10 10.",
                 "And more and more people came."):
        assert blatant_repeat(text) is None, text


@pytest.mark.slow
def test_a_repeated_word_in_a_clean_sentence_is_an_error_underlined_there(checker) -> None:
    from checker.ingest import Document

    clean = ("The minister said on Tuesday that the talks with the union would continue next week in the capital. "
             "Officials expect an agreement before the end of the month.")
    text = clean.replace("with the union", "with the the union")
    report = checker.check(Document(text, "t.txt", "0" * 64))
    found = [f for f in report.findings if f.rule == "garbled"]
    assert [f.severity for f in found] == ["error"]
    assert text[found[0].start:found[0].end] == "the the" and "says a word twice" in found[0].message
    assert found[0].data["underline"][0]["confidence"] == 1.0


def test_each_head_reads_the_states_of_its_layer(tmp_path: Path) -> None:
    """3.2: a head whose block names a layer reads that layer's states (`LMOutput.layers`), the others the final
    ones; the scorer asks the pass for exactly those layers and says so when they are missing."""
    import re

    import numpy as np

    from checker.features import assign_tokens
    from checker.garble.tagger import in_context
    from checker.parts import ArticleScores, LMOutput
    from checker.segment import segment
    from checker.tokens import TokenScore

    spec = json.loads((garble_path().parent / "garble-tagger-3.1.json").read_text())  # final states, no context
    spec["token"].pop("layer", None)
    spec["heads"][0]["layer"] = 7
    path = tmp_path / "garble.json"
    path.write_text(json.dumps(spec))
    scorer = load_garble(path)
    assert scorer.hidden_layers == (7,)
    text = "Officials met in Geneva on Monday. The talks went on late."
    toks = [TokenScore(m.start(), m.end(), 3.0) for m in re.finditer(r"\S+", text)]
    sents = [s for s in segment(text) if s.kind == "sentence"]
    index = assign_tokens(text, toks, [(s.start, s.end) for s in sents])
    rng = np.random.default_rng(0)
    final = rng.normal(size=(len(toks), 640)).astype(np.float32)
    with pytest.raises(ValueError, match="layers \\[7\\]"):
        scorer.score(ArticleScores(text, sents, LMOutput(toks, final), index))
    sts, kept = in_context(text, toks, index, [s.start for s in sents])

    def heads(mid):
        return scorer.token_probabilities(LMOutput(toks, final, layers={7: mid}), sts[1], kept[1], text)

    a = heads(rng.normal(size=(len(toks), 640)).astype(np.float32))
    b = heads(rng.normal(size=(len(toks), 640)).astype(np.float32))
    assert np.allclose(a[0], b[0]) and not np.allclose(a[1], b[1])  # only the break head reads layer 7
    assert len(scorer.score(ArticleScores(text, sents, LMOutput(toks, final, layers={7: final}), index))) == 2


@pytest.mark.slow
def test_the_measured_3_2_model_reads_layer_10_through_the_engine(checker) -> None:
    """3.2 (measured beside 3.1, not shipped: `models/garble/MODEL_CARD.md`): both heads read layer
    10's states and two sentence models give the higher probability; through the real engine and LM it asks the
    pass for layer 10 and judges the seed's blatant breaks as broken."""
    from checker.ingest import read_path
    from checker.models import Models

    path = garble_path().parent / "garble-tagger-3.2.json"
    scorer = load_garble(path)
    assert scorer.version == "3.2" and scorer.hidden_layers == (10,) and len(scorer.sentence_models) == 2
    engine = type(checker)(Models(lm=checker.models.lm, garble=scorer, nli=checker.models.nli), checker.settings)
    report = engine.check(read_path(str(Path(__file__).parent.parent / "seeds" / "000_a4ddab08513021e3.txt")))
    by_text = {s.text: s for s in report.sentences}
    assert by_text["Send his army."].garble >= scorer.warning
    assert by_text["You’re trying to keep the pressure down by swearing."].garble >= scorer.warning


def test_the_context_head_reads_both_sides_and_pads_alike(tmp_path: Path) -> None:
    """3.3's context head: a token's probability depends on the words after it (the causal LM's cannot), padding
    in a batch changes nothing, and the saved file loads to the same head."""
    import numpy as np
    import torch

    from checker.garble.context import ContextHead, load, probabilities, save

    torch.manual_seed(0)
    head = ContextHead(12, width=16, layers=2, heads=2).eval()
    rng = np.random.default_rng(0)
    short, long = rng.normal(size=(5, 12)).astype(np.float32), rng.normal(size=(9, 12)).astype(np.float32)
    (p_alone, q_alone), = probabilities(head, [short])
    (p_batch, q_batch), (p_long, _q) = probabilities(head, [short, long])
    assert p_alone.shape == (5,) and p_long.shape == (9,) and 0 < q_alone < 1
    assert np.allclose(p_alone, p_batch, atol=1e-5) and abs(q_alone - q_batch) < 1e-5
    changed = short.copy()
    changed[4] += 3.0  # the last word differs: the first word's probability moves with it
    (p_changed, _q), = probabilities(head, [changed])
    assert abs(float(p_changed[0]) - float(p_alone[0])) > 1e-4
    save(head, tmp_path / "ctx.safetensors")
    loaded, sha = load(tmp_path, {"file": "ctx.safetensors", **head.config()})
    (p_loaded, q_loaded), = probabilities(loaded, [short])
    assert len(sha) == 64 and np.allclose(p_loaded, p_alone, atol=1e-6) and abs(q_loaded - q_alone) < 1e-6


def test_a_model_file_naming_another_context_head_is_refused(tmp_path: Path) -> None:
    from checker.garble.context import ContextHead, save

    save(ContextHead(651, width=16, layers=1, heads=2), tmp_path / "ctx.safetensors")
    spec = json.loads((garble_path().parent / "garble-tagger-3.1.json").read_text())
    spec["context"] = {"file": "ctx.safetensors", "sha256": "0" * 64, "span_min": 0.9, "layer": 10, "d_in": 651,
                       "width": 16, "layers": 1, "heads": 2}
    bad = tmp_path / "garble.json"
    bad.write_text(json.dumps(spec))
    with pytest.raises(ValueError, match="not the context head"):
        load_garble(bad)


def test_the_underline_takes_whole_words_with_their_apostrophes() -> None:
    from checker.garble import whole_words

    text = "You’re trying, said Russia's ‘envoy’ to Kuleva."
    assert whole_words(text, 3, 6, 0, len(text)) == (0, 6)  # "’re" → "You’re", never "re"
    assert whole_words(text, 0, 3, 0, len(text)) == (0, 6)  # "You" → the same word, one underline
    assert text[slice(*whole_words(text, 26, 28, 0, len(text)))] == "Russia's"
    assert text[slice(*whole_words(text, 29, 36, 0, len(text)))] == "envoy"  # quotes around a word stay outside
    assert text[slice(*whole_words(text, 44, 46, 0, len(text)))] == "Kuleva"
