"""Model cache: atomic preparation, listing, licence files."""

import threading
import time
from pathlib import Path

from typer.testing import CliRunner

from checker import modelstore
from checker.cli import app


def test_atomic_dir_concurrent_builders(tmp_path):
    target = tmp_path / "model"
    calls = []

    def build(tmp: Path) -> None:
        calls.append(tmp)
        (tmp / "weights.bin").write_bytes(b"x" * 1000)
        time.sleep(0.2)  # both builders overlap
        (tmp / "stamp.json").write_text("{}")

    threads = [threading.Thread(target=modelstore._atomic_dir, args=(target, build)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 3
    assert (target / "stamp.json").exists() and (target / "weights.bin").stat().st_size == 1000
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no temp folders left behind


def test_failed_build_leaves_nothing(tmp_path):
    target = tmp_path / "model"

    def build(tmp: Path) -> None:
        (tmp / "half").write_text("x")
        raise RuntimeError("disk full")

    try:
        modelstore._atomic_dir(target, build)
    except RuntimeError:
        pass
    assert list(tmp_path.iterdir()) == []


def test_models_command_lists_both():
    r = CliRunner().invoke(app, ["models"])
    assert r.exit_code == 0
    assert "gemma-3-270m" in r.stdout and "nli-minilm" in r.stdout
    assert "Gemma Terms of Use" in r.stdout


def test_gemma_terms_travel_with_the_model():
    assert modelstore.gemma_terms().exists()
    folder = modelstore.lm_folder()
    if (folder / "stamp.json").exists():
        assert (folder / "GEMMA_TERMS.html").exists()
