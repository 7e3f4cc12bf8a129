"""The package as a user installs it: a plain (non-editable) install works from any folder, and a saved
report re-renders without torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED

pytestmark = pytest.mark.slow


def test_target_install_checks_and_renders_from_another_folder(tmp_path: Path):
    target = tmp_path / "T"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(ROOT)],
                   check=True, capture_output=True)
    assert (target / "checker" / "_models" / "garble" / "garble-lr.json").exists()
    assert (target / "checker" / "_models" / "nli-minilm" / "model.safetensors").exists()
    assert not (target / "checker_dev").exists()
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    r = subprocess.run([sys.executable, "-m", "checker", "check", str(SEED), "-f", "json", "-o", "out", "-q"],
                       cwd=work, env=env, capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    report = json.loads((work / "out" / f"{SEED.stem}.json").read_text())
    assert {"checker", "models", "thresholds"} <= set(report["signature"])
    rules = {f["rule"] for f in report["findings"]}
    assert {"garbled", "self-reference"} <= rules
    # re-render with torch made unimportable: rendering must not load a model
    poison = tmp_path / "poison" / "torch"
    poison.mkdir(parents=True)
    (poison / "__init__.py").write_text("raise ImportError('checker render imported torch')\n")
    env["PYTHONPATH"] = f"{poison.parent}{os.pathsep}{target}"
    r = subprocess.run([sys.executable, "-m", "checker", "render", f"out/{SEED.stem}.json", "-f", "html", "-o", "out2"],
                       cwd=work, env=env, capture_output=True, text=True)
    assert r.returncode == 1, r.stderr  # the seed has errors
    html = (work / "out2" / f"{SEED.stem}.html").read_text()
    active = [f for f in report["findings"] if not f.get("suppressed")]
    assert html.count('<li class="finding') == len(active)


def test_same_signature_same_findings_real_models(checker):
    from checker.ingest import read_path

    a = checker.check(read_path(str(SEED)))
    b = checker.check(read_path(str(SEED)))
    assert a.signature == b.signature
    assert [f.to_dict() for f in a.findings] == [f.to_dict() for f in b.findings]
