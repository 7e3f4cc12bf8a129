"""The command line with fakes of the model protocols: exit codes, config, render, eval — in milliseconds."""

from __future__ import annotations

import json
import os

from typer.testing import CliRunner

from checker.cli import app

runner = CliRunner()
GARBLED = "The council met on Monday. The budget was zzzpassed by them yesterday.\n"
CLEAN = "The council met on Monday. It approved the budget.\n"


def run(*args: str, **kw):
    return runner.invoke(app, list(args), catch_exceptions=False, **kw)


def test_exit_codes_and_signature(tmp_path, fake_cli):
    bad, good = tmp_path / "bad.txt", tmp_path / "good.txt"
    bad.write_text(GARBLED)
    good.write_text(CLEAN)
    out = tmp_path / "out"
    assert fake_cli.run("check", str(good), "-o", str(out), "-q", "-f", "json").exit_code == 0
    r = fake_cli.run("check", str(bad), "-o", str(out), "-q", "-f", "json", "-f", "text")
    assert r.exit_code == 1 and "garbled" in r.stdout
    data = json.loads((out / "bad.json").read_text())
    assert {"checker", "models", "thresholds", "rules", "dtype", "segmenter"} <= set(data["signature"])
    assert data["signature"]["thresholds"]["garble_error"] == 0.7
    assert fake_cli.run("check", str(bad), "-o", str(out), "-q", "--fail-on", "never").exit_code == 0
    assert fake_cli.run("check", str(bad), "-o", str(out), "-q", "--threshold", "0.95", "-f", "json").exit_code == 0


def test_render_without_models(tmp_path, fake_cli):
    src = tmp_path / "bad.txt"
    src.write_text(GARBLED + "\n" + "Prices did not rise in May. Prices rose in May.\n")
    out = tmp_path / "out"
    fake_cli.run("check", str(src), "-o", str(out), "-q", "-f", "json")
    report = json.loads((out / "bad.json").read_text())
    assert report["findings"]

    def fail_load(_threads):
        raise AssertionError("render must not load a model")

    fake_cli.models._loaders = {k: fail_load for k in fake_cli.models._loaders}  # and the fakes are not used either
    r = fake_cli.run("render", str(out / "bad.json"), "-f", "html", "-f", "sarif", "-f", "text",
                     "-o", str(tmp_path / "r"))
    assert r.exit_code == 1  # the re-rendered report still has an error
    html = (tmp_path / "r" / "bad.html").read_text()
    for f in report["findings"]:
        if not f.get("suppressed"):
            assert f'data-rule="{f["rule"]}"' in html
    assert "Signature: <code>checker:" in html
    sarif = json.loads((tmp_path / "r" / "checker.sarif").read_text())
    assert sarif["runs"][0]["properties"]["signature"]["checker"]
    assert (tmp_path / "r" / "index.html").exists()


def test_render_bad_inputs(tmp_path):
    (tmp_path / "x.json").write_text('{"schema": "other"}')
    (tmp_path / "y.json").write_text("not json")
    r = run("render", str(tmp_path / "x.json"), str(tmp_path / "y.json"), str(tmp_path / "missing.json"),
            "-o", str(tmp_path / "r"))
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 3 and all(ln.startswith("checker:") for ln in lines)
    assert "not a checker-report/1" in r.stderr and "not JSON" in r.stderr and "no such file" in r.stderr


def test_config_rejects_unknown_rule_ids(tmp_path, fake_cli):
    art = tmp_path / "a.txt"
    art.write_text(CLEAN)
    (tmp_path / ".checker.toml").write_text("[rules.garbeld]\nenabled = false\n")
    r = fake_cli.run("check", str(art), "-o", str(tmp_path / "out"), "-q")
    assert r.exit_code == 2 and "unknown rule id rules.garbeld (did you mean garbled?)" in r.stderr
    (tmp_path / ".checker.toml").write_text('[rules.garbled]\nenabled = "no"\n')
    r = fake_cli.run("check", str(art), "-o", str(tmp_path / "out"), "-q")
    assert r.exit_code == 2 and "enabled must be true or false" in r.stderr
    (tmp_path / ".checker.toml").write_text("[rules.conflicting-claims]\nseverity = \"warning\"\n")
    assert fake_cli.run("check", str(art), "-o", str(tmp_path / "out"), "-q").exit_code == 0


def test_eval_with_labels(tmp_path, fake_cli):
    art = tmp_path / "story.txt"
    art.write_text("Talks opened in Geneva on Monday. The deal was zzzsigned quickly by them. "
                   "Both sides praised the result. Markets rose after the news.\n")
    labels = tmp_path / "story.labels.tsv"
    labels.write_text("# label\tsentence\ngarbled\tThe deal was zzzsigned quickly by them.\n"
                      "clean\tsentence\tTalks opened in Geneva on Monday.\nclean\tBoth sides praised the result.\n"
                      "clean\tMarkets rose after the news.\ngarbled\tA zzzlone sentence not in the article.\n")
    r = fake_cli.run("eval", "--labels", str(labels), "--target-fa", "0.05")
    assert r.exit_code == 0, r.output
    assert "5 labelled sentences scored (2 garbled, 3 clean)" in r.stdout
    assert "AUROC 1.000" in r.stdout and "baseline, words" in r.stdout and "suggested threshold" in r.stdout
    assert fake_cli.run("eval").exit_code == 2


def test_rules_lists_every_id():
    r = run("rules")
    assert r.exit_code == 0 and "conflicting-claims" in r.stdout and "Conflicting claims" in r.stdout


def test_openmp_waits_are_short_unless_the_user_chose(monkeypatch):
    """Idle OpenMP threads spin briefly (a busy neighbour must not collapse a check); a user's own choice wins."""
    from checker.cpu import SPINCOUNT, available_cpus, tame_openmp

    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    tame_openmp()
    assert os.environ["GOMP_SPINCOUNT"] == SPINCOUNT
    monkeypatch.delenv("GOMP_SPINCOUNT")
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    tame_openmp()
    assert "GOMP_SPINCOUNT" not in os.environ
    monkeypatch.setenv("GOMP_SPINCOUNT", "100")
    tame_openmp()
    assert os.environ["GOMP_SPINCOUNT"] == "100"
    assert available_cpus() >= 1


def test_dtype_follows_the_cpu_unless_chosen(monkeypatch):
    """CHECKER_DTYPE pins one number format (a fleet of mixed CPUs); a wrong value is refused by name (the model
    container turns it into one "cannot load models" line, exit 2)."""
    import pytest
    import torch

    from checker.cpu import best_dtype

    monkeypatch.delenv("CHECKER_DTYPE", raising=False)
    assert best_dtype() in (torch.bfloat16, torch.float32)
    monkeypatch.setenv("CHECKER_DTYPE", "FP32")
    assert best_dtype() is torch.float32
    monkeypatch.setenv("CHECKER_DTYPE", "bf16")
    assert best_dtype() is torch.bfloat16
    monkeypatch.setenv("CHECKER_DTYPE", "fp64")
    with pytest.raises(ValueError, match="CHECKER_DTYPE='fp64' is not one of fp32, bf16"):
        best_dtype()
