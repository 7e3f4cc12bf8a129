"""Hostile file names, output faults, special files, signals, malformed config/baseline, odd encodings:
one line on stderr, the documented exit code, and whole reports for every other input. Fakes of the model
protocols stand in for the models (the plumbing is under test, not a model's judgement)."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
import xml.dom.minidom
from pathlib import Path

import pytest
from typer.testing import CliRunner

from checker.cli import app
from tests.conftest import ROOT

runner = CliRunner()
STORY = "The council met on Monday. It approved the budget for the new school.\n"


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def one_error_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("checker: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def cli_process(*args: str, seconds: float = 0.0, **kw) -> subprocess.Popen:
    env = {**os.environ, "FAKE_LM_SECONDS": str(seconds), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.fake_cli", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


# 1. file names are untrusted input --------------------------------------------------------------------------

HOSTILE = ["javascript:alert('x').txt", "a b#c?d%e.txt", "[bold]x[red].txt", "[link=x]y.txt", "tab\tname.txt",
           "esc\x1b[31mred.txt", "quote\"'<b>.txt", "ünïcødé ✓.txt", "-dash.txt", ".dot.txt"]


def test_hostile_file_names_give_safe_links_and_lines(tmp_path, fake_cli):
    src = tmp_path / "in"
    src.mkdir()
    for name in HOSTILE:
        (src / name).write_text(STORY)
    (src / "x[").mkdir()
    (src / "x[" / "].txt").write_bytes(b"")  # the path x[/].txt: rich markup if printed unescaped
    out = tmp_path / "out"
    files = sorted(str(p) for p in src.iterdir() if p.is_file()) + [str(src / "x[" / "].txt")]
    r = fake_cli.run("check", *files, "-o", str(out), "-q", "-f", "html", "-f", "sarif", "-f", "text", "-f", "junit",
            "-f", "github")
    assert r.exit_code == 2
    assert one_error_line(r.stderr).endswith("x[/].txt: empty input: nothing to check")
    assert "\x1b" not in r.stdout and "\\x1b[31mred" in r.stdout
    index = (out / "index.html").read_text()
    assert 'href="javascript:' not in index and "href=\"./javascript%3A" in index
    import re

    for link in re.findall(r'href="(\./[^"]+)"', index):
        from urllib.parse import unquote

        assert (out / unquote(link[2:])).exists(), link
    sarif = json.loads((out / "checker.sarif").read_text())
    uris = [res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for res in sarif["runs"][0]["results"]]
    assert all(" " not in u and "#" not in u and "?" not in u for u in uris)
    xml.dom.minidom.parse(str(out / "checker.junit.xml"))


def test_unknown_format_with_markup_is_one_line():
    r = run("check", "x.txt", "-f", "[/]")
    assert r.exit_code == 2 and "unknown format [/]" in one_error_line(r.stderr)


def test_control_characters_in_text_never_reach_the_terminal_or_xml(tmp_path, fake_cli):
    p = tmp_path / "ctl.txt"
    p.write_text("The minister\x1b[2J said zzzno\x07 to \x01the plan. Officials \x00agreed.\n".replace("\x00", ""))
    out = tmp_path / "out"
    r = fake_cli.run("check", str(p), "-o", str(out), "-q", "-f", "text", "-f", "github", "-f", "junit", "-f", "json")
    assert r.exit_code == 1
    assert not any(c in r.stdout for c in "\x1b\x07\x01")
    xml.dom.minidom.parse(str(out / "checker.junit.xml"))


# 2. output faults ---------------------------------------------------------------------------------------------

def test_out_is_a_file_or_unwritable(tmp_path, fake_cli):
    p = tmp_path / "a.txt"
    p.write_text(STORY)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = fake_cli.run("check", str(p), "-o", str(blocker), "-q")
    assert r.exit_code == 2 and "it is a file" in one_error_line(r.stderr)
    r = fake_cli.run("check", str(p), "-o", str(blocker / "sub"), "-q")
    assert r.exit_code == 2 and "cannot create output folder" in one_error_line(r.stderr)


def test_full_disk_fails_one_report_and_tears_none(tmp_path, fake_cli, monkeypatch):
    import checker.outputs as outputs

    files = []
    for name in ("a", "b", "c"):
        f = tmp_path / f"{name}.txt"
        f.write_text(STORY)
        files.append(str(f))
    out = tmp_path / "out"
    real_replace = os.replace

    def full_on_b(src, dst):
        if Path(dst).name.startswith("b."):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(outputs.os, "replace", full_on_b)
    r = fake_cli.run("check", *files, "-o", str(out), "-q", "-f", "json", "-f", "html", "-f", "sarif")
    assert r.exit_code == 2
    assert one_error_line(r.stderr).endswith("b.txt: cannot write its report: No space left on device")
    names = sorted(p.name for p in out.iterdir())
    assert names == ["a.html", "a.json", "c.html", "c.json", "checker.sarif", "index.html"]
    for p in out.glob("*.json"):
        json.loads(p.read_text())
    json.loads((out / "checker.sarif").read_text())


def test_write_atomic_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    from checker import outputs

    target = tmp_path / "r.json"
    target.write_text('{"old": true}')

    class Boom(str):
        pass

    def failing_fdopen(fd, *a, **k):
        fh = open(fd, *a, **k)
        def write(_s):
            raise OSError(errno.ENOSPC, "No space left on device")
        fh.write = write
        return fh

    monkeypatch.setattr(outputs.os, "fdopen", failing_fdopen)
    with pytest.raises(OSError):
        outputs.write_atomic(target, '{"new": true}' * 1000)
    assert json.loads(target.read_text()) == {"old": True}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


# 3. report names ----------------------------------------------------------------------------------------------

def test_same_names_in_different_folders_and_index_txt(tmp_path, fake_cli):
    for rel in ("a/same.txt", "b/same.txt", "c/same-2.txt", "index.txt", "x.txt", "x.md", "checker.txt"):
        f = tmp_path / "in" / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(STORY)
    out = tmp_path / "out"
    r = fake_cli.run("check", str(tmp_path / "in"), "-o", str(out), "-q", "-f", "json", "-f", "html")
    assert r.exit_code == 0, r.output
    got = sorted(str(p.relative_to(out)) for p in out.rglob("*.json"))
    assert got == ["a/same.json", "b/same.json", "c/same-2.json", "checker.txt.json", "index.txt.json",
                   "x.md.json", "x.txt.json"]
    assert json.loads((out / "a" / "same.json").read_text())["input"]["path"].endswith("a/same.txt")
    index = (out / "index.html").read_text()
    assert index.count('href="./') == 7 and 'href="./index.txt.html"' in index


def test_concurrent_runs_wait_for_each_other(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(STORY)
    b.write_text(STORY)
    out = tmp_path / "out"
    first = cli_process("check", str(a), "-o", str(out), "-f", "html", seconds=2.0)
    time.sleep(1.0)
    second = cli_process("check", str(b), "-o", str(out), "-f", "html")
    _, err2 = second.communicate(timeout=60)
    first.communicate(timeout=60)
    assert "waiting for another run" in err2
    assert second.returncode == 0 and first.returncode == 0
    index = (out / "index.html").read_text()
    assert "b.txt" in index and "a.txt" not in index  # the index is one run's, written last


# 4. special files ---------------------------------------------------------------------------------------------

def test_fifo_and_device_are_refused_quickly(tmp_path, fake_cli):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    good = tmp_path / "good.txt"
    good.write_text(STORY)
    out = tmp_path / "out"
    t = time.perf_counter()
    r = fake_cli.run("check", str(fifo), "/dev/zero", str(good), "-o", str(out), "-q", "-f", "json")
    assert time.perf_counter() - t < 30
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 2 and all("not a regular file" in ln for ln in lines)
    assert (out / "good.json").exists()


# 5. signals ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_mid_batch_writes_batch_files_for_what_is_done(tmp_path, sig):
    files = []
    for i in range(6):
        f = tmp_path / f"s{i}.txt"
        f.write_text(STORY)
        files.append(str(f))
    out = tmp_path / "out"
    proc = cli_process("check", *files, "-o", str(out), "-q", "-f", "json", "-f", "html", "-f", "sarif",
                       "-f", "junit", seconds=0.7)
    deadline = time.time() + 60
    while not (out / "s0.json").exists() and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    line = one_error_line(err)
    assert f"interrupted by {signal.Signals(sig).name}" in line and "of 6 file(s)" in line
    done = sorted(p.name for p in out.glob("s*.json"))
    assert 1 <= len(done) < 6
    sarif = json.loads((out / "checker.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    index = (out / "index.html").read_text()
    assert all(name.replace(".json", ".txt") in index for name in done)
    xml.dom.minidom.parse(str(out / "checker.junit.xml"))
    assert not list(out.glob(".*.tmp"))


# 6. config, baseline, flags -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "message"), [
    ('{"schema": "checker-baseline/1", "findings": [{"fingerprint": ["x"], "rule": "r", "file": "f"}]}',
     "findings[0].fingerprint must be a string"),
    ('{"schema": "checker-baseline/1", "findings": {"a": 1}}', "\"findings\" must be a list"),
    ('{"schema": "other"}', "is not a checker-baseline/1 file"),
    ("not json", "cannot read baseline"),
])
def test_malformed_baseline(tmp_path, fake_cli, content, message):
    p = tmp_path / "a.txt"
    p.write_text(STORY)
    base = tmp_path / "base.json"
    base.write_text(content)
    r = fake_cli.run("check", str(p), "-o", str(tmp_path / "out"), "-q", "--baseline", str(base))
    assert r.exit_code == 2 and message in one_error_line(r.stderr)


def test_usage_errors_are_one_line(tmp_path):
    proc = cli_process("check", "x.txt", "--max-bytes", "-5")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "--max-bytes" in one_error_line(err)
    proc = cli_process("check", "--no-such-flag")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "No such option" in one_error_line(err)


# 7. text handling ---------------------------------------------------------------------------------------------

def test_crlf_reads_like_lf(seed_text):
    import textwrap

    from checker.segment import segment

    wrapped = "\n\n".join(textwrap.fill(p, 72) for p in seed_text.split("\n\n"))
    lf = [(s.kind, " ".join(s.text.split())) for s in segment(wrapped)]
    crlf_text = wrapped.replace("\n", "\r\n")
    crlf = segment(crlf_text)
    assert [(s.kind, " ".join(s.text.split())) for s in crlf] == lf
    assert all(crlf_text[s.start:s.end] == s.text for s in crlf)


def test_utf16_deep_json_and_hidden_script(tmp_path):
    from checker.errors import InputError
    from checker.ingest import read_path

    p = tmp_path / "u16.txt"
    p.write_bytes("The talks ended on Friday.".encode("utf-16"))
    assert read_path(str(p)).text == "The talks ended on Friday."
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match="too deeply nested"):
        read_path(str(deep))
    html = tmp_path / "s.html"
    html.write_text("<html><body><p>the <svg><script>alert(12)</script></svg> talks ended.</p></body></html>")
    assert "alert" not in read_path(str(html)).text
    nitf = tmp_path / "s.nitf"
    nitf.write_text("<nitf><body><body.head><hedline><hl1>Big <script>alert(12)</script>news</hl1></hedline>"
                    "</body.head><body.content><p>The talks ended.</p></body.content></body></nitf>")
    doc = read_path(str(nitf))
    assert "alert" not in doc.text and doc.text.startswith("Big news")


# 8. cost -----------------------------------------------------------------------------------------------------

def test_one_huge_line_is_cut_and_rules_stay_fast(fakes):
    from checker.engine import Engine
    from checker.ingest import Document

    text = "Putin said that Putin would impose sanctions on Putin and " * 3500  # ~200k characters, no full stop
    t = time.perf_counter()
    report = Engine(fakes).check(Document(text, "long.txt", "0" * 64))
    assert time.perf_counter() - t < 30
    assert max(len(s.text) for s in report.sentences) <= 1500
    notes = [f for f in report.findings if f.rule == "overlong-sentence"]
    assert len(notes) == 1 and notes[0].severity == "info" and "without a sentence end" in notes[0].message


# fuzz ---------------------------------------------------------------------------------------------------------

ALPHABET = ("abcXYZ019 _-.,;:!?#%&=+~'\"`()[]{}<>@$^*|\\\t\x01\x07\x1b\x7f\u00e9\u00df\u0416\u4e2d\u202e\U0001f600"
            "[/][bold]javascript:%2F%00")


def test_fuzz_names_and_bytes_through_the_cli(tmp_path, fake_cli):
    import random

    import jsonschema

    rng = random.Random(20261127)
    src = tmp_path / "fuzz"
    src.mkdir()
    for i in range(300):
        name = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 40))).replace("/", "_").strip()
        name = f"{i:03d}{name}"[:80].encode("utf-8")[:200].decode("utf-8", "ignore") + ".txt"
        kind = rng.random()
        if kind < 0.3:
            data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
        elif kind < 0.6:
            data = "".join(rng.choice(ALPHABET + "   the minister said zzz.\n") for _ in range(200)).encode()
        else:
            data = (STORY + " zzzbroken text." * rng.randint(0, 2)).encode()
        (src / name).write_bytes(data)
    out = tmp_path / "out"
    r = fake_cli.run("check", str(src), "-o", str(out), "-q", "-f", "json", "-f", "html", "-f", "sarif", "-f", "junit",
            "-f", "jsonl", "-f", "text", "-f", "github")
    assert r.exit_code in (0, 1, 2)
    assert "Traceback" not in r.output
    assert all(ln.startswith("checker: ") for ln in r.stderr.splitlines() if ln.strip())
    assert not any(c in r.stdout for c in "\x1b\x07\x01\x7f")
    reports = list(out.rglob("*.json"))
    assert reports
    for p in reports:
        json.loads(p.read_text())
    schema = json.loads((ROOT / "tests" / "schemas" / "sarif-2.1.0.json").read_text())
    jsonschema.validate(json.loads((out / "checker.sarif").read_text()), schema)
    xml.dom.minidom.parse(str(out / "checker.junit.xml"))
    for line in (out / "checker.jsonl").read_text().splitlines():
        json.loads(line)
    assert not list(out.rglob(".*.tmp"))


def _report_json(fake_cli, tmp_path) -> dict:
    out = tmp_path / "made"
    fake_cli.run("check", str(ROOT / "tests" / "samples" / "wire.txt"), "-o", str(out), "-q", "-f", "json",
                 "--fail-on", "never")
    return json.loads((out / "wire.json").read_text())


@pytest.mark.parametrize("stem", ["../escaped", "/tmp/checker-abs-escape/x", "a/../../b", "index", ".hidden", ""])
def test_render_never_writes_outside_out(fake_cli, tmp_path, stem):
    """`checker render` reads untrusted JSON: its stem names a file inside -o, never a batch file's name."""
    data = _report_json(fake_cli, tmp_path)
    data["input"]["stem"] = stem
    (tmp_path / "in.json").write_text(json.dumps(data))
    out = tmp_path / "deep" / "out"
    r = fake_cli.run("render", str(tmp_path / "in.json"), "-f", "html", "-f", "json", "-o", str(out),
                     "--fail-on", "never")
    assert r.exit_code == 0, r.output
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert "index.html" in written and len(written) == 3, written
    assert not (tmp_path / "deep" / "escaped.html").exists() and not Path("/tmp/checker-abs-escape").exists()
    assert all(not w.startswith(".") for w in written)


@pytest.mark.parametrize(("path", "value", "says"), [
    (("findings", 0, "severity"), "fatal", "severity must be one of"),
    (("findings", 0, "score"), "high", "score must be a number"),
    (("findings", 0, "sentences"), [999], "indices of the report's sentences"),
    (("sentences", 0, "tokens", 0, "surprisal"), "s", "tokens must be"),
    (("findings", 0, "start"), 10 ** 12, "offsets within the text"),
    (("input", "metadata"), {"headline": 5}, "metadata must be strings"),
])
def test_render_refuses_wrong_values_in_one_line_and_keeps_the_batch(fake_cli, tmp_path, path, value, says):
    data = _report_json(fake_cli, tmp_path)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(data))
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    out = tmp_path / "out"
    r = fake_cli.run("render", str(bad), str(good), "-f", "html", "-o", str(out), "--fail-on", "never")
    assert r.exit_code == 2 and says in r.stderr and "Traceback" not in r.output + r.stderr
    assert (out / "wire.html").exists() and (out / "index.html").exists()  # the good one, named by its stem


@pytest.mark.parametrize("text", ['{"schema": "checker-report/1", "n": ' + "9" * 5000 + "}",
                                  "[" * 100_000 + "]" * 100_000])
def test_render_refuses_unreadable_json_in_one_line(fake_cli, tmp_path, text):
    (tmp_path / "x.json").write_text(text)
    r = fake_cli.run("render", str(tmp_path / "x.json"), "-o", str(tmp_path / "out"))
    assert r.exit_code == 2 and "not a readable report" in r.stderr


def test_an_unreadable_folder_is_a_failure_not_silence(fake_cli, tmp_path, monkeypatch):
    """As root `chmod 000` reads fine, so the refusal the kernel gives other users is simulated at os.scandir."""
    folder = tmp_path / "in"
    (folder / "locked").mkdir(parents=True)
    (folder / "ok.txt").write_text("The minister said the talks would resume on Monday.\n")
    (folder / "locked" / "hidden.txt").write_text("Never read.\n")
    real = os.scandir

    def scandir(path="."):
        if str(path).endswith("locked"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    out = tmp_path / "out"
    r = fake_cli.run("check", str(folder), "-o", str(out), "-f", "json", "-f", "html", "-q")
    assert r.exit_code == 2 and "locked: cannot read folder: Permission denied" in r.stderr
    assert (out / "ok.json").exists() and "locked" in (out / "index.html").read_text()


def test_a_link_out_of_the_checked_folder_is_not_followed(fake_cli, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("The secret token is hunter2.\n")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ok.txt").write_text("The minister said the talks would resume on Monday.\n")
    (folder / "innocent.txt").symlink_to(secret)
    (folder / "inside.txt").symlink_to(folder / "ok.txt")  # a link within the tree is fine
    out = tmp_path / "out"
    r = fake_cli.run("check", str(folder), "-o", str(out), "-f", "json", "-q")
    assert r.exit_code == 2 and "innocent.txt: a link to a file outside the checked folder: not followed" in r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["inside.json", "ok.json"]
    assert "hunter2" not in "".join(p.read_text() for p in out.iterdir())


def test_bidi_controls_are_shown_not_obeyed_in_plain_outputs(fake_cli, tmp_path):
    """U+202E in wire text or a file name would reverse the rest of a terminal line or a CI annotation."""
    name = tmp_path / "evil\u202etxt.md"
    name.write_text("The minister zzzqx\u202e said the talks would resume.\n")
    out = tmp_path / "out"
    for fmt in ("text", "github"):
        r = fake_cli.run("check", str(name), "-o", str(out), "-f", fmt, "--fail-on", "never")
        assert "\u202e" not in r.stdout and "\\u202e" in r.stdout, fmt
    fake_cli.run("check", str(name), "-o", str(out), "-f", "junit", "--fail-on", "never")
    junit = (out / "checker.junit.xml").read_text()
    assert "\u202e" not in junit and "\\u202e" in junit


def test_a_byte_order_mark_hides_neither_config_nor_first_label(tmp_path: Path) -> None:
    """Windows editors save UTF-8 with a BOM: the config still parses and the first label still counts."""
    from checker.config import load_config
    from checker.evaluate import read_labels

    cfg = tmp_path / ".checker.toml"
    cfg.write_bytes("\ufeffthreshold = 0.9\n".encode())
    assert load_config([str(tmp_path)], cfg).threshold == 0.9
    assert load_config([str(tmp_path)]).threshold == 0.9
    labels = tmp_path / "a.labels.tsv"
    labels.write_bytes("\ufeffgarbled\tfluency\tSend his army.\nclean\tok\tThe talks went on.\n".encode())
    first = read_labels(labels)[0]
    assert first.text == "Send his army." and first.garbled
    assert len(read_labels(labels)) == 2


def test_a_warning_above_the_error_threshold_is_refused(fake_cli, tmp_path: Path) -> None:
    """`warning` above `threshold` leaves no warning band: one line and exit 2 (the config's warning against the
    flag's threshold too)."""
    from checker.config import Config, settings_from
    from checker.errors import CheckerError

    with pytest.raises(CheckerError, match="above the error threshold"):
        settings_from(Config(threshold=0.8, warning=0.9))
    assert settings_from(Config(threshold=0.8), warning=0.7).warning == 0.7
    doc = tmp_path / "a.txt"
    doc.write_text("The council met on Monday. It approved the budget.\n")
    (tmp_path / ".checker.toml").write_text("warning = 0.6\n")
    r = fake_cli.run("check", str(doc), "--threshold", "0.5", "-o", str(tmp_path / "o"))
    assert r.exit_code == 2 and "above the error threshold" in r.stderr and "Traceback" not in r.stderr
