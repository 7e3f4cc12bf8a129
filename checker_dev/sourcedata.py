"""Source and translation side by side for the source-aware checks (issue #27): WMT 2020/2021 zh→en news MQM,
each (system, document) rebuilt as an original article and its English, one segment per line on both sides,
with each segment's labels.

A segment *has a Major accuracy error* when any rater marked a Major (or Critical) `Accuracy/*` error; it is
*clean* when every rater wrote no error (as for the garble labels); omissions and additions are kept apart, and
the raters' error spans (in the English, or in the source for an omission) are kept for reading. Documents are
split by `checker_dev.newsnli.doc_split` (60 % train, 20 % calib, 20 % dev), never by segment.
"""

from __future__ import annotations

import csv
import lzma
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

from checker_dev.devdata import SHARED
from checker_dev.newsnli import doc_split

NEWS = SHARED / "data" / "mqm-news-zhen"
TAG = re.compile(r"</?v>")


@dataclass
class Pair:
    source: str
    target: str
    clean: bool  # every rater: no error
    accuracy: bool  # a Major/Critical Accuracy/* error by any rater
    categories: tuple[str, ...] = ()  # Major/Critical categories, all raters
    raters: int = 0
    fluency: bool = False  # a Major Fluency/* error
    spans: list[str] = field(default_factory=list)  # marked text of Major accuracy errors


@dataclass
class BiArticle:
    key: str  # newsYYYY/system/doc
    split: str
    pairs: list[Pair]

    @property
    def source_text(self) -> str:
        return "\n".join(p.source for p in self.pairs)

    @property
    def target_text(self) -> str:
        return "\n".join(p.target for p in self.pairs)


def _clean(s: str) -> str:
    return " ".join(TAG.sub("", s or "").split())


def _major(r: dict[str, str]) -> bool:
    return (r["severity"] or "").strip().lower() in ("major", "critical")


@cache
def articles() -> tuple[BiArticle, ...]:
    out: list[BiArticle] = []
    for year in (2020, 2021):
        rows: dict[tuple[str, str], dict[int, list[dict[str, str]]]] = defaultdict(lambda: defaultdict(list))
        with lzma.open(NEWS / f"mqm_newstest{year}_zhen.tsv.xz", "rt", encoding="utf-8") as f:
            for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                rows[(r["system"], r["doc"])][int(r["seg_id"])].append(r)
        for (system, doc), segs in sorted(rows.items()):
            pairs = []
            for sid in sorted(segs):
                rs = segs[sid]
                src, tgt = _clean(rs[0]["source"]), _clean(rs[0]["target"])
                if not src or not tgt:
                    continue
                cats = tuple(sorted({r["category"].strip() for r in rs if _major(r)}))
                clean = all(not r["category"] or r["category"].strip().lower() in ("no-error", "no error")
                            for r in rs)
                acc = [r for r in rs if _major(r) and r["category"].startswith("Accuracy")]
                spans = [m.group(1) for r in acc for m in [re.search(r"<v>(.*?)</v>", r["target"] or "") or
                                                             re.search(r"<v>(.*?)</v>", r["source"] or "")] if m]
                pairs.append(Pair(src, tgt, clean, bool(acc), cats, len({r["rater"] for r in rs}),
                                  any(_major(r) and r["category"].startswith("Fluency") for r in rs), spans))
            if pairs:
                out.append(BiArticle(f"news{year}/{system}/{doc}", doc_split(year, doc), pairs))
    return tuple(out)


def split_articles(split: str, one_system: bool = False) -> list[BiArticle]:
    """The articles of one split; `one_system` keeps one translation per document (the first system)."""
    seen: set[str] = set()
    out = []
    for a in articles():
        if a.split != split:
            continue
        doc = a.key.split("/", 2)[0] + "/" + a.key.rsplit("/", 1)[1]
        if one_system and doc in seen:
            continue
        seen.add(doc)
        out.append(a)
    return out
