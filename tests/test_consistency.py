"""Fact consistency with the real models: NLI contradictions, and the rules inside the full pipeline."""

import pytest

from checker.ingest import Document
from tests.devdata import needs_shared

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


def test_seed_has_self_reference_and_no_contradiction(seed_report):
    rules = [(f.rule, f.sentences) for f in seed_report.findings]
    sanctions = next(s.id for s in seed_report.sentences if "sanctions on Putin" in s.text)
    assert ("self-reference", [sanctions]) in rules
    assert not [r for r, _ in rules if r in ("contradiction", "conflicting-claims")]


@pytest.mark.xfail(strict=True, reason="the NLI model reads withdrawn-vs-mobilised as neutral (stage 9: P 0.26 < "
                                       "0.9626); an open item of the contradiction issue")
def test_inserted_withdrawal_contradicts_mobilisation(checker, seed_text):
    anchor = "Western officials say Russia is mobilizing"
    text = seed_text.replace(anchor, WITHDRAWN + " " + anchor, 1)
    report = check_text(checker, text)
    withdrawn = next(s.id for s in report.sentences if s.text == WITHDRAWN)
    mobilised = next(s.id for s in report.sentences if s.text.startswith("Since October, Russia has mobilized"))
    pairs = [set(f.sentences) for f in report.findings if f.rule == "contradiction"]
    assert {withdrawn, mobilised} in pairs


def test_inserted_denial_contradicts_mobilisation_and_is_linked(checker, seed_text):
    denial = "Since October, Russia has not mobilized any troops along the Ukrainian border."
    anchor = "Western officials say Russia is mobilizing"
    text = seed_text.replace(anchor, denial + " " + anchor, 1)
    report = check_text(checker, text)
    denied = next(s.id for s in report.sentences if s.text == denial)
    mobilised = next(s.id for s in report.sentences if s.text.startswith("Since October, Russia has mobilized"))
    found = [f for f in report.findings if f.rule == "contradiction" and set(f.sentences) == {denied, mobilised}]
    assert found
    assert "negated in one, not the other: “mobilized” vs “not mobilized”" in found[0].message  # which words, how
    # the HTML report joins the two sentences: the finding links both and lists both in data-sentences
    from checker.render.html import HtmlRenderer

    html = HtmlRenderer().render(report)
    a, b = sorted((denied, mobilised))
    assert f'data-rule="contradiction" data-severity="error" data-sentences="{a} {b}"' in html
    assert f'href="#s{a}">#{a}</a> ↔ <a href="#s{b}">#{b}</a>' in html


def test_changed_troop_count_and_kyiv(checker, seed_text):
    text = seed_text.replace("Polish Prime Minister", "Officials in Kyiv said some 1,200 British troops are currently "
                             "in Eastern European countries. "
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


@needs_shared("data/nli-news/taxinli")
def test_mnli_dev_accuracy_sample(checker):
    """3-way accuracy on the first 1,000 pairs of TaxiNLI's MultiNLI-dev part (all 7,727: 0.766, evaluate.py)."""
    from checker_dev.newsnli import taxinli

    rows = taxinli("dev")[:1000]
    probs = checker.models.nli.predict([(r["p"], r["h"]) for r in rows])
    acc = sum(max(range(3), key=p.__getitem__) == r["y"] for p, r in zip(probs, rows)) / len(rows)
    assert acc >= 0.74


@needs_shared("data/mqm-news-zhen")
def test_flip_recall_per_kind_sample(checker):
    """Generated contradictions of held-apart MQM news sentences, the first 40 of each kind, at the shipped
    threshold. The issue's bar is 0.85 per kind (all dev flips, evaluate.py: every kind >= 0.92 but entity 0.877)."""
    import sys
    from collections import defaultdict

    from tests.conftest import ROOT

    sys.path.insert(0, str(ROOT / "models" / "nli-minilm"))
    from news_data import dev_flips

    from checker_dev import newsnli

    nli = checker.models.nli
    flips = dev_flips(7, 6)
    by_kind: dict[str, list] = defaultdict(list)
    for r in flips:
        if len(by_kind[r["src"]]) < 40:
            by_kind[r["src"]].append((r["p"], r["h"]))
    recall = {}
    for kind, pairs in by_kind.items():
        fwd = nli.predict(pairs)
        bwd = nli.predict([(h, p) for p, h in pairs])
        recall[kind] = sum(max(a[2], b[2]) >= nli.threshold for a, b in zip(fwd, bwd)) / len(pairs)
    assert set(recall) == {f"flip-{k}" for k in (*newsnli.FLIP_KINDS, "verb")}
    assert min(recall.values()) >= 0.85, recall


@needs_shared("data/mqm-news-zhen")
def test_false_alarms_on_real_news_dev_articles(checker):
    """Pairs the rule selects in the 460 held-apart MQM news articles: `contradiction` findings at the shipped
    thresholds (near copies their own): the issue's budget, 1 per 50 articles (9). The threshold keeps calib within
    it at 90 % confidence; dev gave 7 in fp32 and bf16 (stage 9; stage 7: 8 and 9, and 11 at its point-estimate
    threshold), and gives 8 in bf16 since near copies are paired."""
    from checker.attribution import different_sources, source_of
    from checker_dev import newsnli

    arts = [a for a in newsnli.mqm_articles() if a.split == "dev"]
    assert len(arts) == 460
    pairs = [(p, h) for a in arts for p, h in newsnli.rule_pairs(a.text)
             if not different_sources(source_of(p), source_of(h))]
    from checker_dev.flip_eval import threshold_for

    nli = checker.models.nli
    fwd = nli.predict(pairs)
    bwd = nli.predict([(h, p) for p, h in pairs])
    findings = sum(max(a[2], b[2]) >= threshold_for(nli, [p, h], (0, 1)) for (p, h), a, b in zip(pairs, fwd, bwd))
    assert findings <= 9, findings  # 8 with the near copies (0.87 per 50; `python -m checker_dev.flip_eval`)


@pytest.mark.parametrize(("old", "new"), [("has more", "does not have more"), ("330", "350")])
def test_one_word_flip_beside_the_original_is_a_contradiction(checker, old, new):
    original = ("Currently, Xinjiang has more than 330 grid-connected photovoltaic power plants with a total "
                "capacity of 10.5 million kilowatts.")
    report = check_text(checker, f"{original} {original.replace(old, new)}")
    assert [f.sentences for f in report.findings if f.rule == "contradiction"] == [[0, 1]]


@pytest.mark.parametrize(("first", "again"), [
    ("The Darui Railway tunnel project was approved by the State Council in 2015.",
     "In 2017, the Darui Railway tunnel project was approved by the State Council."),
    ("The museum displayed 99 sets of cultural relics from the imperial collection this week.",
     "It is reported that the museum displayed 120 sets of cultural relics from the imperial collection this week."),
    ("The trade fair was held in Shanghai and attracted exhibitors from forty countries.",
     "In Guangzhou, the trade fair was held and attracted exhibitors from forty countries."),
])
def test_a_fact_told_twice_with_a_detail_changed_is_a_contradiction(checker, first, again):
    """The same fact told again later, the detail moved or an attribution added (据报道: "It is reported that"),
    with another year, count or place: one of the two is wrong, whatever the NLI model reads."""
    report = check_text(checker, f"{first} Officials gave no further details. {again}")
    assert [f.sentences for f in report.findings if f.rule == "contradiction"] == [[0, 2]]


def test_a_fact_told_again_by_a_named_source_is_a_conflicting_claim(checker):
    """"According to the organisers" is another voice than the article's: the clash is shown as a note."""
    first = "The trade fair was held in Shanghai and attracted exhibitors from forty countries."
    again = ("According to the organisers, the trade fair was held in Guangzhou and attracted exhibitors from forty "
             "countries.")
    report = check_text(checker, f"{first} Officials gave no further details. {again}")
    assert [(f.rule, f.sentences) for f in report.findings if f.rule in ("contradiction", "conflicting-claims")] \
        == [("conflicting-claims", [0, 2])]


def test_a_fact_retold_with_an_attribution_is_no_contradiction(checker):
    first = "The museum displayed 99 sets of cultural relics from the imperial collection this week."
    report = check_text(checker, f"{first} It is reported that {first[0].lower()}{first[1:]}")
    assert not [f for f in report.findings if f.rule in ("contradiction", "conflicting-claims")]


def test_an_identical_repeat_is_no_contradiction(checker):
    original = "Russia has mobilized more than 100,000 troops on its border with Ukraine."
    report = check_text(checker, f"{original} {original}")
    assert not [f for f in report.findings if f.rule in ("contradiction", "conflicting-claims")]


@pytest.mark.parametrize(("insert", "pair", "how"), [
    ("Officials in Kyiv agreed.", {"Kiev", "Kyiv"}, "one place in GeoNames"),
    ("Zelenskyy thanked the allies.", {"Zelensky", "Zelenskyy"}, "a known transliteration pair"),
    ("Later, Kuleba met the press in Brussels.", {"Kuleva", "Kuleba"}, "the language model expects"),
])
def test_known_name_variants_are_still_found(checker, seed_text, insert, pair, how):
    """The true variants name-variant must keep while it drops look-alikes (tests/test_rules.py)."""
    text = seed_text.replace("Polish Prime Minister", f"{insert} Polish Prime Minister", 1)
    found = [f for f in check_text(checker, text).findings if f.rule == "name-variant"]
    assert [set(f.data["variants"]) for f in found] == [pair]
    assert found[0].data["confirmed"].startswith(how)
