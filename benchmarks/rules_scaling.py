"""Every stage's and rule's time against input size: the seed article at 1×, 2×, 4×, 8× (paragraphs repeated,
numbers and names varied so that rules have work), and one long unpunctuated line.

    python benchmarks/rules_scaling.py

Prints seconds per stage/rule and the ratio to the 1× time; a linear stage shows ratios near 1, 2, 4, 8.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def scaled(text: str, k: int) -> str:
    parts = [text]
    for i in range(1, k):
        parts.append(re.sub(r"\d+", lambda m, i=i: str(int(m.group()) + i), text))
    return "\n\n".join(parts)


def main() -> None:
    from checker.engine import load_engine
    from checker.ingest import Document

    engine = load_engine()
    seed = (ROOT / "seeds" / "000_a4ddab08513021e3.txt").read_text(encoding="utf-8")
    cases = [(f"seed ×{k}", scaled(seed, k)) for k in (1, 2, 4, 8)]
    line = " ".join(seed.replace(".", "").split())
    cases.append(("one line (no full stop) ×4", " ".join([line] * 4)))
    engine.check(Document(seed, "warm-up", "0" * 64))
    rows = []
    for name, text in cases:
        t = time.perf_counter()
        report = engine.check(Document(text, name, "0" * 64))
        total = time.perf_counter() - t
        rows.append((name, len(text), total, report.timings))
    keys = [k for k in rows[0][3] if k not in ("rules",)]
    base = rows[0][3]
    print(f"{'input':<28}{'chars':>8}{'total s':>9}  " + "  ".join(f"{k.removeprefix('rule:'):>15}" for k in keys))
    for name, n, total, tm in rows:
        cells = "  ".join(f"{tm.get(k, 0):7.3f} ({tm.get(k, 0) / max(base.get(k, 0), 1e-6):4.1f}×)" for k in keys)
        print(f"{name:<28}{n:>8}{total:>9.2f}  {cells}")


if __name__ == "__main__":
    main()
