"""The command line: exit codes, formats, batches with bad files. Uses the real models (loaded once)."""

import json

import pytest
from typer.testing import CliRunner

from checker.cli import app

pytestmark = pytest.mark.slow
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_version():
    r = run("--version")
    assert r.exit_code == 0 and r.stdout.startswith("checker ")


def test_seed_exit_1_and_reports(tmp_path, seed_report):
    from tests.conftest import SEED

    r = run("check", str(SEED), "-o", str(tmp_path), "-q")
    assert r.exit_code == 1
    assert "garbled" in r.stdout
    data = json.loads((tmp_path / "000_a4ddab08513021e3.json").read_text())
    assert data["schema"] == "checker-report/1"
    assert (tmp_path / "000_a4ddab08513021e3.html").exists()
    assert (tmp_path / "index.html").exists()
    assert run("check", str(SEED), "-o", str(tmp_path), "-q", "--fail-on", "never").exit_code == 0


def test_clean_text_exit_0(tmp_path):
    p = tmp_path / "clean.txt"
    p.write_text("The city council approved the new budget on Tuesday. The mayor said the plan would "
                 "fund more teachers and repair several roads.\n")
    r = run("check", str(p), "-o", str(tmp_path), "-q", "-f", "json")
    assert r.exit_code == 0, r.stdout


def test_bad_inputs_each_exit_2(tmp_path):
    cases = {"empty.txt": b"", "binary.txt": b"\x00\x01\x02\xff" * 50, "latin1.txt": "naïve".encode("latin-1")}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "big.txt").write_bytes(b"Word. " * 900_000)
    (tmp_path / "emptydir").mkdir()
    for path in [*cases, "big.txt", "emptydir", "missing.txt"]:
        r = run("check", str(tmp_path / path), "-o", str(tmp_path / "out"), "-q", "-f", "json")
        assert r.exit_code == 2, path
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and "checker:" in lines[0], r.stderr
        assert "Traceback" not in r.output


def test_batch_keeps_good_reports(tmp_path):
    from tests.conftest import SEED

    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "bin.txt").write_bytes(b"\x00" * 64)
    good = tmp_path / "good.txt"
    good.write_text("The council met on Monday. It approved the budget.")
    out = tmp_path / "out"
    r = run("check", str(tmp_path / "empty.txt"), str(SEED), str(tmp_path / "bin.txt"), str(good), "-o", str(out),
            "-q")
    assert r.exit_code == 2
    assert (out / "000_a4ddab08513021e3.json").exists() and (out / "good.json").exists()
    index = (out / "index.html").read_text()
    assert "empty.txt" in index and "bin.txt" in index and "empty input" in index


def test_stdin_and_unknown_format(tmp_path):
    r = runner.invoke(app, ["check", "-", "-o", str(tmp_path), "-q", "-f", "json"],
                      input="The council met on Monday. It approved the budget.\n")
    assert r.exit_code == 0
    assert (tmp_path / "stdin.json").exists()
    r = run("check", "-", "-f", "pdf")
    assert r.exit_code == 2 and "unknown format pdf" in r.stderr


def test_html_escapes_wire_text(tmp_path):
    p = tmp_path / "evil.txt"
    p.write_text("The minister said <script>alert(1)</script> was posted. Officials <b>denied</b> it.\n")
    run("check", str(p), "-o", str(tmp_path), "-q", "-f", "html")
    html = (tmp_path / "evil.html").read_text()
    assert "<script>alert" not in html and "<b>denied" not in html
    unmarked = html.replace("<mark>", "").replace("</mark>", "")  # the underline may split the escaped text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in unmarked
    assert "&lt;b&gt;" in html and "&lt;/b&gt;" in html
