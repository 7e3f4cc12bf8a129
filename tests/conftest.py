"""Shared fixtures: the real models are loaded once per test session (they take ~20 s)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_a4ddab08513021e3.txt"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def checker():
    from checker.runner import load_checker

    return load_checker()


@pytest.fixture(scope="session")
def seed_report(checker):
    from checker.ingest import read_path

    return checker.check(read_path(str(SEED)))


@pytest.fixture(scope="session")
def seed_labels() -> dict[str, str]:
    from checker_dev.devdata import seed_labels

    return seed_labels(SEED.with_suffix(".labels.tsv"))


@pytest.fixture
def fakes():
    """A model container of fakes: the pipeline, CLI and renderers in milliseconds."""
    from tests.fakes import fake_models

    return fake_models()


@pytest.fixture
def fake_cli(monkeypatch, fakes):
    """The CLI with the fakes in place of the real models."""
    import checker.runner

    monkeypatch.setattr(checker.runner, "default_models", lambda threads=None: fakes)
    return fakes


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright (which must never download a browser of its own)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: `apt-get install chromium` (make test does this)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()
