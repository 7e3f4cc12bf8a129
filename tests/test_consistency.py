"""Fact consistency with the real models: NLI contradictions, and the rules inside the full pipeline."""

import pytest

from checker.ingest import Document

pytestmark = pytest.mark.slow

WITHDRAWN = "Russia has withdrawn all of its troops from the Ukrainian border since October."


def check_text(checker, text: str):
    return checker.check(Document(text, "edited.txt", "0" * 64))


def test_nli_model_loads_with_checked_sha(checker):
    nli = checker.models.nli
    from checker.modelstore import nli_expected_sha

    assert nli.sha256 == nli_expected_sha()
    probs = nli.predict([("A man is playing a guitar on stage.", "Nobody is playing an instrument."),
                         ("A man is playing a guitar on stage.", "A person plays music.")])
    assert probs[0][2] > 0.5 and probs[1][0] > 0.5


def test_seed_has_self_reference_and_at_most_one_false_contradiction(seed_report):
    rules = [(f.rule, f.sentences) for f in seed_report.findings]
    sanctions = next(s.id for s in seed_report.sentences if "sanctions on Putin" in s.text)
    assert ("self-reference", [sanctions]) in rules
    assert len([r for r, _ in rules if r == "contradiction"]) <= 1


def test_inserted_withdrawal_contradicts_mobilisation(checker, seed_text):
    anchor = "Western officials say Russia is mobilizing"
    text = seed_text.replace(anchor, WITHDRAWN + " " + anchor, 1)
    report = check_text(checker, text)
    withdrawn = next(s.id for s in report.sentences if s.text == WITHDRAWN)
    mobilised = next(s.id for s in report.sentences if s.text.startswith("Since October, Russia has mobilized"))
    pairs = [set(f.sentences) for f in report.findings if f.rule == "contradiction"]
    assert {withdrawn, mobilised} in pairs
    # the HTML report joins the two sentences: the finding links both and lists both in data-sentences
    from checker.render.html import HtmlRenderer

    html = HtmlRenderer().render(report)
    a, b = sorted((withdrawn, mobilised))
    assert f'data-rule="contradiction" data-severity="error" data-sentences="{a} {b}"' in html
    assert f'href="#s{a}">#{a}</a> ↔ <a href="#s{b}">#{b}</a>' in html


def test_changed_troop_count_and_kyiv(checker, seed_text):
    text = seed_text.replace("Polish Prime Minister", "Officials in Kyiv said 1,200 British troops are ready. "
                             "Polish Prime Minister", 1)
    report = check_text(checker, text)
    rules = {f.rule for f in report.findings}
    assert "number-mismatch" in rules
    assert "name-variant" in rules


def test_conflicting_sources_are_not_the_articles_contradiction(checker):
    text = ("Moscow says it has withdrawn all of its troops from the border. "
            "NATO officials said Russia has not withdrawn any troops from the border.")
    report = check_text(checker, text)
    assert not [f for f in report.findings if f.rule == "contradiction"]


def test_snli_test_accuracy(checker):
    """Issue #3's bar for the shipped NLI weights: 0.8525 on the full SNLI test set (`evaluate.py`)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "models" / "nli-minilm"))
    from evaluate import snli_accuracy

    acc, n = snli_accuracy(checker.models.nli)
    assert n == 9824
    assert acc >= 0.85
