"""Where a test needs the project's dev data (`../shared`, beside the checkout; CI has it, a clone does not).

`needs_shared(...)` skips such a test with a one-line reason naming the missing folder; with
CHECKER_REQUIRE_SHARED=1 (set by `.ci/run`) it runs anyway, so a CI machine without the data fails loudly
instead of passing on skips. Small committed fixtures live in tests/data/ (README there).
"""

from __future__ import annotations

import lzma
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CHECKER_SHARED") or ROOT.parent / "shared")
FIXTURES = Path(__file__).resolve().parent / "data"


def needs_shared(*parts: str) -> pytest.MarkDecorator:
    missing = [p for p in parts if not (SHARED / p).exists()]
    return pytest.mark.skipif(bool(missing) and not os.environ.get("CHECKER_REQUIRE_SHARED"),
                              reason=f"needs {SHARED / missing[0]} (dev data beside the checkout; CI has it)"
                              if missing else "")


def fixture_articles() -> list[str]:
    """The committed sample of real machine-translated news articles."""
    with lzma.open(FIXTURES / "mqm_news_articles.txt.xz", "rt", encoding="utf-8") as fh:
        return fh.read().split("\n\f\n")


def fixture_conjnli() -> list[tuple[str, str]]:
    """ConjNLI dev pairs (premise, hypothesis)."""
    import csv

    with lzma.open(FIXTURES / "conj_dev.tsv.xz", "rt", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(r[0], r[1]) for r in rows[1:] if len(r) > 1]
