"""`checker check --engine ray` with the real models gives the local engine's findings, byte for byte.

Both sides run one torch thread per check: the thread count changes float sums in the last bits (garble scores
in the 7th decimal), never the findings we have seen, but the comparison here is exact."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED

pytestmark = pytest.mark.slow
SAMPLES = ROOT / "tests" / "samples"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "checker", "check", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=900)


def test_ray_and_local_give_identical_reports(tmp_path):
    folder = tmp_path / "feed"
    (folder / "afp").mkdir(parents=True)
    (folder / "dpa").mkdir()
    shutil.copy(SEED, folder / "afp" / "story.txt")
    shutil.copy(SAMPLES / "wire.txt", folder / "dpa" / "story.txt")
    for name in ("wire.md", "wire.nitf.xml", "wire.ninjs.json"):
        shutil.copy(SAMPLES / name, folder / name)
    (folder / "broken.xml").write_text("<nitf><body><p>unclosed")
    local = run(str(folder), "--threads", "1", "-f", "json", "-f", "sarif", "-f", "html", "-o", str(tmp_path / "l"),
                "-q")
    ray = run(str(folder), "--engine", "ray", "--actors", "2", "--threads", "1", "-f", "json", "-f", "sarif",
              "-f", "html", "-o", str(tmp_path / "r"), "-q")
    assert ray.returncode == local.returncode == 2, ray.stderr  # the broken file
    assert ray.stderr.splitlines() == local.stderr.splitlines()
    assert ray.stderr.splitlines()[0].startswith(f"checker: {folder / 'broken.xml'}: ")

    def files(out: Path) -> set[str]:
        return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")}

    assert files(tmp_path / "r") == files(tmp_path / "l")
    reports = sorted(p.relative_to(tmp_path / "l").as_posix() for p in (tmp_path / "l").rglob("*.json"))
    assert len(reports) == 5 and {"afp/story.json", "dpa/story.json"} <= set(reports)
    for rel in reports:
        a = json.loads((tmp_path / "r" / rel).read_text())
        b = json.loads((tmp_path / "l" / rel).read_text())
        assert json.dumps(a["findings"]) == json.dumps(b["findings"]), rel
        assert [s["garble"] for s in a["sentences"]] == [s["garble"] for s in b["sentences"]], rel
        assert a["signature"] == b["signature"]
    seed = json.loads((tmp_path / "r" / "afp" / "story.json").read_text())
    assert {f["rule"] for f in seed["findings"]} >= {"self-reference", "garbled"}
