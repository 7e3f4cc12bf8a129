"""Wire formats in, CI formats out: every input format gives the plain text's sentences and findings."""

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from checker.cli import app
from checker.errors import InputError
from checker.ingest import detect_format, read_path

SAMPLES = Path(__file__).parent / "samples"
FORMATS = {"wire.txt": "text", "wire.md": "markdown", "wire.html": "html", "wire.nitf.xml": "nitf",
           "wire.newsml.xml": "newsml", "wire.ninjs.json": "ninjs"}
runner = CliRunner()


@pytest.mark.parametrize(("name", "fmt"), FORMATS.items())
def test_detect_and_offsets(name, fmt):
    path = SAMPLES / name
    assert detect_format(str(path), path.read_bytes()) == fmt
    doc = read_path(str(path))
    assert doc.format == fmt
    src = doc.source if doc.source is not None else doc.text
    for word in ("Heavy", "About", "Kowalczik", "carefully"):
        pos = doc.text.index(word)
        assert src[doc.source_offset(pos):].startswith(word), (name, word)
        line, col = doc.line_col(pos)
        assert src.splitlines()[line - 1][col - 1:].startswith(word)


@pytest.mark.parametrize("name", ["wire.nitf.xml", "wire.newsml.xml", "wire.ninjs.json", "wire.md"])
def test_metadata_date(name):
    assert read_path(str(SAMPLES / name)).metadata["date"] == "2023-03-12"


def test_html_drops_scripts_styles_navigation():
    doc = read_path(str(SAMPLES / "wire.html"))
    assert "tracking" not in doc.text and "Home" not in doc.text and "Copyright" not in doc.text
    assert "color: red" not in doc.text


@pytest.mark.parametrize("name", ["billion-laughs.xml", "xxe.xml"])
def test_hostile_xml_refused(name):
    with pytest.raises(InputError, match="hostile XML refused"):
        read_path(str(SAMPLES / name))


def test_malformed_inputs(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<?xml version='1.0'?><nitf><body><p>unclosed</body>")
    with pytest.raises(InputError, match="malformed XML"):
        read_path(str(bad))
    j = tmp_path / "bad.json"
    j.write_text('{"headline": "x", "body_text": ')
    with pytest.raises(InputError, match="malformed JSON"):
        read_path(str(j))
    s = tmp_path / "surrogate.json"  # valid JSON whose escape is no Unicode character: one clear line, not a crash
    s.write_text('{"headline": "Test", "body_text": "Russia said a\\ud800b. A second sentence."}')
    with pytest.raises(InputError, match=r"unpaired surrogate \(U\+D800\) at character"):
        read_path(str(s))


@pytest.mark.slow
def test_same_sentences_and_findings_in_every_format(checker):
    """Every format gives the same sentences, scores and findings. The texts differ at most by a trailing newline,
    and bf16 arithmetic differs in its last bits with the input's length (the scores by a few thousandths), so a
    garbled finding whose score sits that close to an operating point may land on either side of it."""
    garble = checker.models.garble
    cuts = (garble.warning, garble.threshold)

    def signature(name):
        report = checker.check(read_path(str(SAMPLES / name)))
        sents = [(s.kind, s.text) for s in report.sentences if s.kind != "dateline"]
        scores = {s.text: s.garble for s in report.sentences}
        finds = {(f.rule, f.severity, tuple(report.sentences[i].text for i in f.sentences)) for f in report.findings}
        return sents, scores, finds

    def at_a_cut(find, *scores):
        return find[0] == "garbled" and any(abs(sc[find[2][0]] - c) < 0.01 for sc in scores for c in cuts)

    base_sents, base_scores, base_finds = signature("wire.txt")
    assert any(rule == "number-mismatch" for rule, _, _ in base_finds)
    assert any(rule == "name-variant" for rule, _, _ in base_finds)
    for name in FORMATS:
        sents, scores, finds = signature(name)
        assert sents == base_sents, name
        assert all(abs(scores[t] - base_scores[t]) < 0.01 for _k, t in sents), name
        differ = finds ^ base_finds
        assert all(at_a_cut(f, scores, base_scores) for f in differ), (name, differ)


@pytest.mark.slow
def test_sarif_validates_and_github_annotations(tmp_path):
    schema = json.loads((Path(__file__).parent / "schemas" / "sarif-2.1.0.json").read_text())
    r = runner.invoke(app, ["check", str(SAMPLES / "wire.html"), str(SAMPLES / "wire.txt"), "-o", str(tmp_path),
                            "-q", "-f", "sarif", "-f", "github", "-f", "jsonl", "-f", "junit"])
    assert r.exit_code in (0, 1), r.output
    sarif = json.loads((tmp_path / "checker.sarif").read_text())
    jsonschema.validate(sarif, schema)
    results = sarif["runs"][0]["results"]
    assert results and {res["level"] for res in results} <= {"error", "warning", "note"}
    # GitHub annotations carry the line and column of the original HTML file
    html_lines = (SAMPLES / "wire.html").read_text().splitlines()
    annotations = [ln for ln in r.stdout.splitlines() if ln.startswith("::") and "wire.html" in ln]
    assert annotations
    for ann in annotations:
        props = dict(kv.split("=", 1) for kv in ann.split(" ", 1)[1].split("::")[0].split(","))
        line, col = int(props["line"]), int(props["col"])
        assert 1 <= line <= len(html_lines) and 1 <= col <= len(html_lines[line - 1]) + 1
    num = next(a for a in annotations if "number-mismatch" in a)
    props = dict(kv.split("=", 1) for kv in num.split(" ", 1)[1].split("::")[0].split(","))
    assert html_lines[int(props["line"]) - 1][int(props["col"]) - 1:].startswith("1,200")
    lines = (tmp_path / "checker.jsonl").read_text().splitlines()
    assert all("rule" in json.loads(x) for x in lines)
    assert "<testsuite" in (tmp_path / "checker.junit.xml").read_text()


def test_config_precedence_and_rules_switch(tmp_path, fake_cli):
    art = tmp_path / "a.txt"
    art.write_text((SAMPLES / "wire.txt").read_text() + "\nThe report was zzzfiled late.\n")
    (tmp_path / ".checker.toml").write_text('fail-on = "never"\nformats = ["json"]\n'
                                            'allow = ["Kowalczik"]\n[rules.number-mismatch]\nenabled = false\n')
    r = fake_cli.invoke(["check", str(art), "-o", str(tmp_path / "out"), "-q"])
    assert r.exit_code == 0
    data = json.loads((tmp_path / "out" / "a.json").read_text())
    rules = {f["rule"] for f in data["findings"]}
    assert "number-mismatch" not in rules and "name-variant" not in rules
    # the command line overrides the file
    r = fake_cli.invoke(["check", str(art), "-o", str(tmp_path / "out"), "-q", "--fail-on", "info"])
    assert r.exit_code == 1
    (tmp_path / ".checker.toml").write_text('fail-on = "sometimes"\n')
    r = fake_cli.invoke(["check", str(art), "-o", str(tmp_path / "out"), "-q"])
    assert r.exit_code == 2 and "fail-on must be one of" in r.stderr


def test_suppression_comments(tmp_path, fake_cli):
    md = tmp_path / "s.md"
    md.write_text((SAMPLES / "wire.md").read_text().replace(
        "Some 1,500",
        "<!-- checker-disable-next-line number-mismatch -- the fire service counts shelters only -->\nSome 1,500"))
    r = fake_cli.invoke(["check", str(md), "-o", str(tmp_path), "-q", "-f", "json", "--fail-on", "never"])
    assert r.exit_code == 0
    data = json.loads((tmp_path / "s.json").read_text())
    num = [f for f in data["findings"] if f["rule"] == "number-mismatch"]
    assert num and all(f.get("suppressed") for f in num)
    assert num[0]["suppression_reason"] == "the fire service counts shelters only"
    html = tmp_path / "s.html"
    html.write_text((SAMPLES / "wire.html").read_text().replace(
        "<article>", "<article><!-- checker-disable name-variant -->").replace("</article>",
                                                                             "<!-- checker-enable --></article>"))
    r = fake_cli.invoke(["check", str(html), "-o", str(tmp_path), "-q", "-f", "json", "--fail-on", "never"])
    data = json.loads((tmp_path / "s.json").read_text())
    nv = [f for f in data["findings"] if f["rule"] == "name-variant"]
    assert nv and all(f.get("suppressed") for f in nv)


def test_baseline_reports_only_new(tmp_path, fake_cli):
    art = tmp_path / "a.txt"
    art.write_text((SAMPLES / "wire.txt").read_text())
    base = tmp_path / "baseline.json"
    r = fake_cli.invoke(["check", str(art), "-o", str(tmp_path), "-q", "-f", "json", "--write-baseline", str(base)])
    assert r.exit_code == 0 and base.exists()
    r = fake_cli.invoke(["check", str(art), "-o", str(tmp_path), "-q", "-f", "json", "--baseline", str(base)])
    assert r.exit_code == 0
    assert json.loads((tmp_path / "a.json").read_text())["findings"] == []
    # move paragraphs around and add a new problem: only the new one is reported
    text = art.read_text()
    paras = text.split("\n\n")
    art.write_text("\n\n".join([paras[0], paras[1], paras[4], paras[3], paras[2]]) +
                   "\n\nThe river reached 9 metres on Friday, 10 March 2023.\n")
    r = fake_cli.invoke(["check", str(art), "-o", str(tmp_path), "-q", "-f", "json", "--baseline", str(base)])
    rules = [f["rule"] for f in json.loads((tmp_path / "a.json").read_text())["findings"]]
    assert "number-mismatch" not in rules and "name-variant" not in rules


def test_rules_and_init(tmp_path):
    r = runner.invoke(app, ["rules"])
    assert r.exit_code == 0
    for rid in ("garbled", "contradiction", "name-variant", "name-suspect", "number-mismatch", "date-mismatch",
                "self-reference"):
        assert rid in r.stdout
    target = tmp_path / ".checker.toml"
    assert runner.invoke(app, ["init", str(target)]).exit_code == 0
    import tomllib

    from checker.config import parse

    parse(tomllib.loads(target.read_text()))
    assert runner.invoke(app, ["init", str(target)]).exit_code == 2
