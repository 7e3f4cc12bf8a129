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
    from checker.engine import load_engine

    return load_engine()


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


class FakeCli:
    """The CLI in this process with a factory of fakes in place of the real models (passed, never patched in)."""

    def __init__(self, models) -> None:
        self.models = models

    def invoke(self, args: list[str], **kw):
        from typer.testing import CliRunner

        from checker.cli import CliState, app

        kw.setdefault("catch_exceptions", False)
        return CliRunner().invoke(app, [str(a) for a in args], obj=CliState(lambda threads=None: self.models), **kw)

    def run(self, *args: str, **kw):
        return self.invoke(list(args), **kw)


@pytest.fixture
def fake_cli(fakes):
    """`fake_cli.invoke([...])`: the CLI with the fakes; `fake_cli.models` is the fakes' container."""
    return FakeCli(fakes)


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
