from checker.segment import segment


def test_seed_kinds(seed_text, seed_labels):
    segs = segment(seed_text)
    kinds = {s.text: s.kind for s in segs}
    assert kinds["date 2022-01-30"] == "dateline"
    assert kinds["(AFP)"] == "credit"
    assert kinds["‘Stability is compromised’"] == "heading"
    assert kinds["Russia’s concerns remain unresolved"] == "heading"
    # every labelled prose sentence comes out whole, with exact offsets
    for s in segs:
        assert seed_text[s.start:s.end] == s.text
    prose = {s.text for s in segs if s.kind == "sentence"}
    for sentence in seed_labels:
        if sentence not in ("‘Stability is compromised’", "Russia’s concerns remain unresolved"):
            assert sentence in prose, sentence


def test_abbreviations_numbers_quotes():
    text = ("Mr. Smith met U.S. officials on 7-8 February with 1,150 troops. He said: “Go home.” "
            "Then he left! Did he? Yes, at 3.5 p.m. local time.")
    got = [s.text for s in segment(text)]
    assert got == ["Mr. Smith met U.S. officials on 7-8 February with 1,150 troops.", "He said: “Go home.”",
                   "Then he left!", "Did he?", "Yes, at 3.5 p.m. local time."]


def test_paragraph_index_and_heading_rules():
    text = "Big news today\n\nThe minister resigned. Reporters waited.\n\n(Reuters)"
    segs = segment(text)
    assert [(s.kind, s.paragraph) for s in segs] == [("heading", 0), ("sentence", 1), ("sentence", 1), ("credit", 2)]


def test_empty_and_whitespace():
    assert segment("") == []
    assert segment("  \n\n ") == []


def test_one_paragraph_per_line_splits_headline_from_lead():
    text = ("He Lifeng Attended the Boao Forum for Asia Annual Conference and Delivered a Keynote Speech - China News "
            "Service\nChina News Service, Boao, March 30 (Reporter Wang Ziqian) He Lifeng attended the main forum "
            "and delivered a keynote speech.\nJapanese Minister Nishimura attended the main forum and delivered a "
            "keynote speech.\n")
    segs = segment(text)
    assert [s.kind for s in segs] == ["heading", "sentence", "sentence"]
    assert segs[0].text.endswith("China News Service") and segs[1].text.startswith("China News Service, Boao")
    assert [s.paragraph for s in segs] == [0, 1, 2]


def test_hard_wrapped_lines_still_join(seed_text):
    import textwrap

    wrapped = "\n\n".join(textwrap.fill(p, 72) for p in seed_text.split("\n\n"))
    plain = [(s.kind, s.text) for s in segment(seed_text)]
    assert [(s.kind, " ".join(s.text.split())) for s in segment(wrapped)] == plain
