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


# -- #28, round 2: token files, links, labels, datelines, the server's edges -------------------------------------

@pytest.mark.parametrize(("make", "says"), [
    (lambda p: p.symlink_to("/dev/zero"), "not a regular file"),
    (lambda p: os.mkfifo(p), "not a regular file"),
    (lambda p: p.write_text("first-line-token-0123456789\nsecond-line-token-0123456789\n"), "on one line"),
    (lambda p: p.write_text("x" * 5000), "longer than 4096 bytes"),
    (lambda p: p.write_text("short\n"), "shorter than 16"),
])
def test_token_files_that_are_no_token_are_one_line(tmp_path, make, says):
    """`--token-file /dev/zero` grew to gigabytes, a FIFO hung the start, a two-line file served 401 to all."""
    path = tmp_path / "token"
    make(path)
    proc = subprocess.run([sys.executable, "-m", "checker", "serve", "--port", "0", "--token-file", str(path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and says in one_error_line(proc.stderr)


def test_a_token_file_others_can_read_is_said(tmp_path):
    from checker.cli import read_token

    path = tmp_path / "token"
    path.write_text("a-long-enough-token-0123456789\n")
    path.chmod(0o644)
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert read_token(path) == "a-long-enough-token-0123456789"
        assert "readable by other users" in err.getvalue()
        path.chmod(0o600)
        said = len(err.getvalue())
        assert read_token(path) == "a-long-enough-token-0123456789"
        assert len(err.getvalue()) == said


def test_init_writes_through_no_link_and_out_names_a_dangling_link(tmp_path, fake_cli):
    target = tmp_path / "elsewhere.toml"
    link = tmp_path / ".checker.toml"
    link.symlink_to(target)  # dangling
    r = run("init", str(link))
    assert r.exit_code == 2 and "is a link" in r.stderr and not target.exists()
    target.write_text("# mine\n")
    r = run("init", str(link), "--force")
    assert r.exit_code == 2 and target.read_text() == "# mine\n"
    doc = tmp_path / "a.txt"
    doc.write_text(STORY)
    out = tmp_path / "out"
    out.symlink_to(tmp_path / "gone")
    r = fake_cli.run("check", str(doc), "-o", str(out))
    assert r.exit_code == 2 and "does not exist" in r.stderr and "it is a file" not in r.stderr


def test_a_labels_row_names_its_missing_article(tmp_path):
    from checker.errors import CheckerError
    from checker.evaluate import read_labels

    labels = tmp_path / "x.labels.tsv"
    labels.write_text("garbled\tstories/gone.txt\t0\t10\n")
    with pytest.raises(CheckerError, match=r"x.labels.tsv:1: the article stories/gone.txt is not there"):
        read_labels(labels)


def test_a_date_line_without_a_blank_line_is_still_the_dateline():
    from tests.test_rules import run_rules

    text = ("date 2022-01-30\nThe talks opened on Saturday, 28 January 2022 in Paris. "
            "Yesterday, on Friday, the envoys arrived.\n")
    found = [f for f in run_rules(text) if f.rule == "date-mismatch"]
    assert found and "2022-01-28 is a Friday, not a Saturday" in found[0].message


def _server(options=None):
    from fastapi.testclient import TestClient

    from checker.engine import Engine
    from checker.server import ServeOptions, create_app
    from tests.fakes import fake_models

    os.environ.pop("FAKE_LM_SECONDS", None)
    return TestClient(create_app(lambda: Engine(fake_models()), options or ServeOptions()),
                      raise_server_exceptions=False)


def _ready(c):
    for _ in range(200):
        if c.get("/readyz").status_code == 200:
            return c
        time.sleep(0.02)
    raise AssertionError("never ready")


def test_server_encodings_charsets_and_many_parts(tmp_path):
    with _server() as c:
        _ready(c)
        gz = c.post("/v1/check", content=b"\x1f\x8b\x08\x00", headers={"Content-Type": "text/plain",
                                                                    "Content-Encoding": "gzip"})
        assert gz.status_code == 415 and "Content-Encoding gzip" in gz.json()["error"]
        assert c.post("/v1/check", content=b"x", headers={"Content-Type": "text/plain",
                                                          "Content-Encoding": "br2"}).status_code == 415
        utf16 = STORY.encode("utf-16-le")
        r = c.post("/v1/check", content=utf16, headers={"Content-Type": "text/plain; charset=utf-16le"})
        assert r.status_code == 200 and r.json()["sentences"][0]["text"].startswith("The council met")
        latin = "Caf\u00e9 owners met on Monday. They approved the budget.\n".encode("latin-1")
        r = c.post("/v1/check", content=latin, headers={"Content-Type": "text/plain; charset=iso-8859-1"})
        assert r.status_code == 200 and r.json()["sentences"][0]["text"].startswith("Café")
        assert c.post("/v1/check", content=b"x", headers={"Content-Type": "text/plain; charset=koi8-r"}
                      ).status_code == 415
        boundary = "b"
        body = (f"--{boundary}\r\n\r\n\r\n" * 90_000 + f"--{boundary}--\r\n").encode()  # 810 KB of empty parts
        t = time.perf_counter()
        r = c.post("/v1/check", content=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert r.status_code == 400 and "more than 16 parts" in r.json()["error"]
        assert time.perf_counter() - t < 2.0


def test_keep_survives_hostile_upload_names(tmp_path):
    from checker.server import ServeOptions

    keep = tmp_path / "kept"
    with _server(ServeOptions(keep=keep)) as c:
        _ready(c)
        for name in ("x" * 300 + ".txt", "a\x00b.txt", "../../etc/passwd.txt"):
            r = c.post("/v1/check", files={"file": (name, STORY.encode(), "text/plain")})
            assert r.status_code == 200, (name, r.text)
    kept = [p for p in keep.rglob("*") if p.is_file()]
    assert len(kept) == 6 and all(p.parent == keep and len(p.name) < 140 and "\x00" not in p.name for p in kept)


def test_ninjs_with_a_huge_integer_is_422_not_500():
    with _server() as c:
        _ready(c)
        body = b'{"body_text": "The council met on Monday.", "version": ' + b"9" * 5000 + b"}"
        r = c.post("/v1/check", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 422 and "malformed JSON" in r.json()["error"]


def test_a_stalled_body_is_answered_408_and_a_vanished_client_is_no_error():
    """An ASGI call with a body that stops arriving (a byte a minute), and one whose client hangs up."""
    import asyncio

    from checker.server import options as server_options

    async def call(messages, wait):
        from checker.engine import Engine
        from checker.server import ServeOptions, create_app
        from tests.fakes import fake_models

        app = create_app(lambda: Engine(fake_models()), ServeOptions())
        sent = []
        queue = list(messages)

        async def receive():
            if queue:
                return queue.pop(0)
            await asyncio.sleep(wait)
            return {"type": "http.disconnect"}

        async def send(msg):
            sent.append(msg)

        scope = {"type": "http", "method": "POST", "path": "/v1/check", "raw_path": b"/v1/check", "query_string": b"",
                 "headers": [(b"content-type", b"text/plain"), (b"host", b"127.0.0.1")], "scheme": "http",
                 "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1), "http_version": "1.1", "root_path": "",
                 "asgi": {"version": "3.0"}}
        await app(scope, receive, send)
        return next(m["status"] for m in sent if m["type"] == "http.response.start"), app

    old = server_options.BODY_SECONDS
    try:
        import checker.server.middleware as mw
        mw.BODY_SECONDS = 0.2
        status, _ = asyncio.run(call([{"type": "http.request", "body": b"The talks", "more_body": True}], 5))
        assert status == 408
        status, app = asyncio.run(call([{"type": "http.request", "body": b"The talks", "more_body": True}], 0.01))
        assert status == 499
        metrics = app.service.metrics.registry
        assert metrics.get_sample_value("checker_http_requests_total", {"route": "/v1/check", "status": "499"}) == 1
    finally:
        mw.BODY_SECONDS = old


def _paths(node, prefix=()):
    """Every path to a value in a JSON tree."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node[:5]):
            yield from _paths(v, (*prefix, i))


ODD_VALUES = [None, True, False, 0, -1, 2 ** 63, -(10 ** 40), 1e308, -0.5, "", "x", "\u202e\x00<script>", "9" * 50,
              [], [None], [[1, 2]], {}, {"a": 1}, "../../etc/passwd", "index", 3.5]


def test_fuzz_report_json_through_render(fake_cli, tmp_path):
    """Random types and values at random places of a real report: every mutated report is rendered or refused
    in one line (exit 0, 1 or 2), never a traceback, and nothing lands outside -o."""
    import copy
    import random

    good = _report_json(fake_cli, tmp_path)
    paths = [p for p in _paths(good) if p]
    rng = random.Random(28)
    folder = tmp_path / "fuzz"
    folder.mkdir()
    for k in range(120):
        data = copy.deepcopy(good)
        for _ in range(rng.choice((1, 1, 2, 3))):
            path = rng.choice(paths)
            node = data
            try:
                for key in path[:-1]:
                    node = node[key]
                node[path[-1]] = copy.deepcopy(rng.choice(ODD_VALUES))
            except (KeyError, IndexError, TypeError):
                continue
        (folder / f"r{k:03d}.json").write_text(json.dumps(data))
    out = tmp_path / "deep" / "out"
    before = {p for p in tmp_path.rglob("*")}
    r = fake_cli.run("render", *sorted(str(p) for p in folder.glob("*.json")), "-f", "html", "-f", "json",
                     "-f", "sarif", "-o", str(out), "--fail-on", "never")
    assert r.exit_code in (0, 1, 2), r.output
    assert "Traceback" not in r.output + r.stderr
    assert (out / "index.html").exists()
    new = {p for p in tmp_path.rglob("*")} - before
    assert all(p == tmp_path / "deep" or out in (p, *p.parents) for p in new), sorted(map(str, new))[:5]


def test_fuzz_multipart_bodies_through_the_server():
    """Random multipart bodies (boundaries, headers, truncations, junk bytes) to /v1/check and /v2/check:
    every answer is 2xx or 4xx, never a 500."""
    import random

    rng = random.Random(28)
    with _server() as c:
        _ready(c)
        statuses = []
        for _ in range(150):
            boundary = rng.choice(["b", "----WebKitFormBoundaryX", "a" * 70, "", "\u00e9", "x y"])
            parts = []
            for _ in range(rng.randint(0, 5)):
                name = rng.choice(["file", "source", "text", "language", "data", "", "fi\"le", "x" * 200])
                header = rng.choice([f'Content-Disposition: form-data; name="{name}"',
                                     f'Content-Disposition: form-data; name="{name}"; filename="a.txt"',
                                     "Content-Type: text/plain", "", "Content-Disposition: garbage;;;"])
                payload = rng.choice([STORY.encode(), b"", bytes(rng.randrange(256) for _ in range(40)),
                                      b"\xff\xfe\x00", "Caf\u00e9".encode("latin-1"), b"--" + boundary.encode()])
                parts.append(f"--{boundary}\r\n{header}\r\n\r\n".encode("utf-8", "replace") + payload + b"\r\n")
            body = b"".join(parts) + (f"--{boundary}--\r\n".encode() if rng.random() < 0.7 else b"")
            if rng.random() < 0.3:
                body = body[:rng.randrange(len(body) + 1)]
            ctype = rng.choice([f"multipart/form-data; boundary={boundary}", "multipart/form-data",
                                f"multipart/form-data; boundary=\"{boundary}\"; charset=utf-16",
                                "application/x-www-form-urlencoded"])
            path = rng.choice(["/v1/check", "/v2/check"])
            headers = {"Content-Type": ctype.encode("utf-8")}  # raw bytes: a header httpx would refuse to encode
            statuses.append(c.post(path, content=body, headers=headers).status_code)
        assert all(s < 500 for s in statuses), sorted(set(statuses))
        assert {200, 400} <= set(statuses) or 422 in statuses
