"""Findings to diff across a refactor: the seed, tests/samples/wire.* and the 29 committed MQM news articles.

    python -m checker_dev.golden out.json          # this checkout
    git worktree add /tmp/old REV && (cd /tmp/old && python -m checker_dev.golden /tmp/old.json)  # REV ≥ this file
    diff <(python -m json.tool /tmp/old.json) <(python -m json.tool out.json)

Per document: the findings (as in the JSON report), each sentence's span, garble score (6 decimals), spans and
reason, the resolved thresholds and rule severities; timings are left out, so two runs of one signature are equal.
"""

from __future__ import annotations

import json
import lzma
import sys
from pathlib import Path

from checker.engine import check_bytes, load_engine

ROOT = Path(__file__).resolve().parent.parent


def documents() -> list[tuple[str, bytes]]:
    docs = [(str(p.relative_to(ROOT)), p.read_bytes()) for p in
            [ROOT / "seeds" / "000_a4ddab08513021e3.txt", *sorted((ROOT / "tests" / "samples").glob("wire.*"))]]
    with lzma.open(ROOT / "tests" / "data" / "mqm_news_articles.txt.xz", "rt", encoding="utf-8") as fh:
        docs += [(f"article{i}.txt", text.encode()) for i, text in enumerate(fh.read().split("\n\f\n"))]
    return docs


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "golden.json")
    engine = load_engine()
    result = {}
    for name, data in documents():
        r = check_bytes(engine, name, data).to_dict()
        sig = r.get("signature", {})
        result[name] = {"findings": r["findings"], "format": r["input"]["format"],
                        "sentences": [(s["id"], s["start"], s["end"], round(s["garble"], 6), s.get("spans"),
                                       s.get("reason")) for s in r["sentences"]],
                        "thresholds": sig.get("thresholds"), "rules": sig.get("rules")}
    out.write_text(json.dumps(result, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(result)} documents, {sum(len(v['findings']) for v in result.values())} findings → {out}")


if __name__ == "__main__":
    main()
