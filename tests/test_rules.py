"""Consistency rules that need no model: exercised on the seed text with small edits."""

import pytest

from checker.findings import SentenceResult
from checker.ingest import Document
from checker.rules import Context, all_rules
from checker.segment import segment
from checker.settings import Settings


def run_rules(text: str, metadata: dict | None = None, allow_names: tuple[str, ...] = ()) -> list:
    sents = [SentenceResult.of(s) for s in segment(text)]
    settings = Settings(allow=frozenset(a.lower() for a in allow_names))
    ctx = Context(Document(text, "t.txt", "0", metadata=metadata or {}), sents, settings=settings)
    out = []
    for cls in all_rules().values():
        if not cls.needs:
            out += cls().run(ctx)
    return out


def test_seed_fires_only_self_reference(seed_text):
    found = run_rules(seed_text)
    assert [(f.rule, f.data.get("name")) for f in found] == [("self-reference", "Putin")]
    f = found[0]
    assert seed_text[f.start:f.end] == "Putin promising to impose unprecedented sanctions on Putin"


def run_with_fakes(text: str, allow_names: tuple[str, ...] = ()) -> list:
    """Every rule through the engine, with the fake models (the fake LM copies names from context)."""
    from checker.engine import Engine
    from tests.fakes import fake_models

    settings = Settings(allow=frozenset(a.lower() for a in allow_names))
    return Engine(fake_models(), settings).check(Document(text, "t.txt", "0")).findings


def test_name_variant_kyiv(seed_text):
    text = seed_text.replace("Polish Prime Minister", "Officials in Kyiv agreed. Polish Prime Minister", 1)
    found = [f for f in run_with_fakes(text) if f.rule == "name-variant"]
    assert len(found) == 1 and set(found[0].data["variants"]) == {"Kiev", "Kyiv"}
    assert found[0].data["confirmed"] == "one place in GeoNames"
    marked = {text[a:b] for a, b in found[0].spans}
    assert marked == {"Kiev", "Kyiv"} and len(found[0].spans) == 4
    assert not [f for f in run_with_fakes(text, allow_names=("Kyiv",)) if f.rule == "name-variant"]


def test_related_words_are_not_variants():
    text = "Russia and Russian officials met Ukraine and Ukrainian envoys in Europe and European capitals."
    assert not [f for f in run_with_fakes(text) if f.rule == "name-variant"]


@pytest.mark.parametrize(("text", "why"), [
    ("Chen Wei spoke in China. Officials in China agreed with Chen.", "a country and a surname"),
    ("Pham Minh Chinh presented the Plan. The Plan was approved, Pham said.", "a common word"),
    ("The team flew from Paris to Parma. Parma won, and Paris lost.", "two cities"),
    ("Cheng Li visited Chengdu. In Chengdu, Cheng met students.", "a longer word built on a shorter one"),
    ("Chinese officials met African envoys. The Chinese and African delegations agreed.", "nationalities"),
    ("Is Malaysian ChineseIs Malaysian Chinese in the race? Chinese voters decide.", "glued debris"),
    ("The Celebration Committee met. Celebrating Day falls on Monday.", "one English stem, two endings"),
    ("Shanghai Soap and Shao Wansheng joined. The soap maker and Shao agreed.", "a word the article writes in "
     "lower case"),
    ("The northern route passes through Henan, Shaanxi and Gansu. The team then crossed Shanxi and Hebei.",
     "two provinces (ISO 3166-2), not in the city list"),
    ("The exhibits show the Fushou culture of the palace. One hall is called Fushu Shouji. Fushou means blessing.",
     "two runs of pinyin syllables: two Chinese words"),
    ("The Darui Railway is 330 kilometres long. The Darui Railway Project began in 2011. The trip from Dali "
     "to Ruili will take two hours.", "a railway and a city: never in the same role"),
])
def test_look_alikes_are_not_variants(text, why):
    assert not [f for f in run_with_fakes(text) if f.rule == "name-variant"], why


def test_a_variant_the_lm_prefers_is_reported():
    text = ("The regional governor, Anna Kowalczyk, said the water would peak on Sunday. "
            "Kowalczik promised new funds for the dikes.")
    found = [f for f in run_with_fakes(text) if f.rule == "name-variant"]
    assert len(found) == 1 and found[0].data["confirmed"].startswith("the language model expects")


def test_variants_in_the_same_role_are_still_found():
    """Transliterations MT spells two ways keep being reported: the pinyin and role checks drop only two words."""
    cases = [
        ("Du Jinshi, secretary of the Xing'an Provincial Party Committee, visited Xing'an Province. "
         "Investors in Xingan Province were thanked.", {"Xing'an", "Xingan"}),
        ("The Kaoxili Management Office said the antelopes left the hinterland of Kaoxili. "
         "In May they return to the hinterland of Koxili to give birth.", {"Kaoxili", "Koxili"}),
        ("Education Minister Lorenzo Fioramonti filed the bill. Fiolamonti said it would raise 3 billion euros.",
         {"Fioramonti", "Fiolamonti"}),
    ]
    for text, pair in cases:
        found = [f for f in run_with_fakes(text) if f.rule == "name-variant"]
        assert [set(f.data["variants"]) for f in found] == [pair], text


def test_number_mismatch(seed_text):
    """The seed's "some 1,150 British troops currently in Eastern European countries", told again with 1,200."""
    text = seed_text + "\n\nLondon said some 1,200 British troops are currently in Eastern European countries.\n"
    found = [f for f in run_rules(text) if f.rule == "number-mismatch"]
    assert len(found) == 1
    assert found[0].data == {"phrase": "british troops", "values": [1150.0, 1200.0]}
    assert len(found[0].sentences) == 2


def test_number_different_phrases_not_compared():
    text = "Russia has 100,000 combat troops nearby. Britain sent 1,150 British troops."
    assert not [f for f in run_rules(text) if f.rule == "number-mismatch"]


def test_date_mismatch_with_dateline():
    text = ("date 2022-01-30\n\nThe talks opened on Saturday, 28 January 2022 in Paris. "
            "Yesterday, on Friday, the envoys arrived. The summit is set for Tuesday, 1 February.\n")
    found = [f for f in run_rules(text) if f.rule == "date-mismatch"]
    msgs = [f.message for f in found]
    assert len(found) == 2, msgs
    assert "2022-01-28 is a Friday, not a Saturday" in msgs[0]
    assert "Saturday (2022-01-29)" in msgs[1]


def test_date_from_metadata_and_none_without_date():
    text = "The talks opened on Saturday, 28 January 2022 in Paris."
    assert not [f for f in run_rules(text) if f.rule == "date-mismatch"]
    assert [f for f in run_rules(text, metadata={"date": "2022-01-30"}) if f.rule == "date-mismatch"]


def test_self_reference_not_on_possessive_or_separate_clauses():
    text = ("Britain’s Prime Minister said that Britain would send jets. "
            "Putin met Macron, and Macron later called Putin.")
    assert not [f for f in run_rules(text) if f.rule == "self-reference"]


def test_one_shared_place_name_does_not_pair_two_claims():
    """The seed's US-troops and NATO-withdrawal sentences share only "Europe": not the same claim, never paired."""
    from checker.pairs import select_pairs, sentence_keys

    a = "The United States already has tens of thousands of troops across most of Western Europe."
    b = ("Russia has also called for the withdrawal of NATO forces deployed to countries in Eastern Europe and "
         "the former Soviet Union that have joined the alliance since the Cold War.")
    c = "NATO has withdrawn all of its forces from Eastern Europe."
    text = f"{a} {b} {c}"
    spans = [(0, len(a)), (len(a) + 1, len(a) + 1 + len(b)), (len(a) + len(b) + 2, len(text))]
    pairs = select_pairs([a, b, c], sentence_keys(text, spans))
    assert (0, 1) not in pairs
    assert (1, 2) in pairs  # NATO, forces, Eastern, Europe: one claim, two tellings


def test_two_named_subjects_are_two_things_not_one_claim():
    """Parallel descriptions (two medals, two officials at one forum) are not paired; one subject told two ways is,
    and so is a subject spelt two ways by the translation, or a claim attributed to a source."""
    from checker.pairs import different_subjects

    assert different_subjects("The Friendship Medal uses a gold-blue colour scheme.",
                              "The medal of National Honorary Titles uses a red-gold colour scheme.")
    assert different_subjects("He Lifeng attended the main forum and delivered a keynote speech.",
                              "Japanese Minister Nishimura attended the main forum and delivered a keynote speech.")
    assert not different_subjects("Russia has withdrawn all of its troops from the Ukrainian border since October.",
                                  "Since October, Russia has mobilized about 100,000 troops near the border.")
    assert not different_subjects("Russian forces have withdrawn from the border.", "Russia has massed troops there.")
    assert not different_subjects("The chairman of Cerris completed the plan.", "The chairman of Celis abandoned it.")
    assert not different_subjects("On Monday the talks were held in Geneva.", "On Tuesday the talks were held in Rome.")
    assert not different_subjects("There is no need to register.", "Prior to this, students had to register.")
    assert not different_subjects("Moscow says it has withdrawn all of its troops.",
                                  "NATO officials said Russia has not withdrawn any troops.")


NEWS = ("Air traffic returned to 33 per cent of pre-pandemic levels. The airport expects traffic to recover to "
        "67 per cent to 75 per cent of pre-pandemic levels in 2019.")


@pytest.mark.parametrize(("text", "why"), [
    (NEWS, "a range"),
    ("In 2019 the plant employed 1,200 local workers. In 2022 the plant employed 1,500 local workers.", "years"),
    ("About 1,200 residents were moved on Monday. More than 1,500 residents were moved on Monday.", "qualifiers"),
    ("Officials said 1,200 residents were moved in Dresden. Officials said 1,500 residents were moved in Leipzig.",
     "places"),
    ("It reported 46 new confirmed cases. A total of 288 confirmed cases were counted.", "new vs total"),
    ("The park covers 69 square kilometers. The lake covers 35 square kilometers.", "a measure of what"),
    ("One first prize, two second prizes and 10 excellence prizes went to universities. Five second prizes and "
     "20 excellence prizes went to schools.", "a breakdown"),
    ("Baidu has used 45 self-driving taxis. DiDi Chuxing has ordered 30 self-driving taxis.", "two subjects"),
    ("The average person eats at least 50,000 plastic particles a year. A single tea bag released more than "
     "11,600 plastic particles in the test.", "figures of two different things"),
    ("The mint issued 8 grams of pure gold coins. It also issued 30 grams of pure silver coins.", "of what"),
])
def test_number_figures_of_different_claims_are_not_compared(text, why):
    assert not [f for f in run_rules(text) if f.rule == "number-mismatch"], why


def test_number_same_claim_same_time_is_compared():
    text = ("About 1,200 residents were moved to schools overnight. Some 1,500 residents were moved to shelters "
            "overnight, according to the fire service.")
    found = [f for f in run_rules(text) if f.rule == "number-mismatch"]
    assert len(found) == 1 and found[0].data["values"] == [1200.0, 1500.0]


XINJIANG = ("Currently, Xinjiang has more than 330 grid-connected photovoltaic power plants with a total capacity "
            "of 10.5 million kilowatts.")


def test_a_sentence_beside_its_negated_copy_is_paired_and_a_repeat_is_not():
    from checker.pairs import is_near_copy, select_pairs, sentence_keys

    negated = XINJIANG.replace("has more", "does not have more")
    for copy, want in ((negated, [(0, 1)]), (XINJIANG, [])):
        texts = [XINJIANG, copy]
        text = " ".join(texts)
        spans = [(0, len(XINJIANG)), (len(XINJIANG) + 1, len(text))]
        assert select_pairs(texts, sentence_keys(text, spans)) == want
    assert is_near_copy(XINJIANG, negated) and not is_near_copy(XINJIANG, XINJIANG)
    found = [f for f in run_with_fakes(f"{XINJIANG} {negated}") if f.rule == "contradiction"]
    assert len(found) == 1 and found[0].sentences == [0, 1]
    assert not [f for f in run_with_fakes(f"{XINJIANG} {XINJIANG}") if f.rule == "contradiction"]
