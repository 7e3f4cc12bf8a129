"""Labelled machine translation for the garble detector: real MQM news (WMT 2020/2021 zh→en), biomedical
abstracts (de/es/pt/zh→en), TED talks, as articles with per-segment labels and error spans.

A segment is *garbled* when a rater marked a Major fluency error (`Fluency/*`, `Style/Awkward`; bio:
`Linguistic Conventions - *`, `Style - Non-fluent`, `Unintelligible`) or any non-translation, *clean* when
every rater wrote no error, *other* otherwise (left out of the binary label). 2020 news has three raters per
segment: `strict` asks two of them to agree on a garbled segment. Spans of Major fluency errors (character
offsets into the article text) are the token-level targets; Minor fluency spans are masked, not negatives.

Articles are split by source document with `checker_dev.newsnli.doc_split` (60 % train, 20 % calib, 20 % dev)
for news, and by the same hash of the abstract for bio.
"""

from __future__ import annotations

import csv
import io
import lzma
import re
import tarfile
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

from checker_dev.devdata import SHARED
from checker_dev.newsnli import doc_split

TAG = {"news": ("<v>", "</v>"), "bio": ("<tag>", "</tag>")}


@dataclass
class Segment:
    start: int
    end: int
    label: str  # garbled | clean | other
    strict: str = ""  # 2020 news: garbled (≥ 2 raters) | clean | other
    major: list[tuple[int, int]] = field(default_factory=list)  # Major fluency / non-translation spans
    minor: list[tuple[int, int]] = field(default_factory=list)  # Minor fluency spans (masked)
    categories: tuple[str, ...] = ()  # the categories of its Major fluency / non-translation errors
    raters: int = 0  # how many raters marked it garbled


@dataclass
class Article:
    key: str
    domain: str  # news2020 | news2021 | bio | ted
    split: str
    text: str
    segments: list[Segment]


def _is_fluency(domain: str, category: str) -> bool:
    c = category.strip()
    if domain == "bio":
        return c.startswith(("Linguistic Conventions", "Style - Non-fluent", "Unintelligible"))
    return c.startswith("Fluency") or c == "Style/Awkward"


def _is_non_translation(category: str) -> bool:
    return category.strip().lower().startswith(("non-translation", "non translation"))


def _span(tagged: str, open_tag: str, close_tag: str) -> tuple[int, int] | None:
    a = tagged.find(open_tag)
    b = tagged.find(close_tag)
    if a < 0 or b < a:
        return None
    return a, b - len(open_tag)


def _build(domain: str, rows_by_article: dict[tuple, dict[int, list[dict]]], split_of, key_of) -> list[Article]:
    open_tag, close_tag = TAG["bio" if domain == "bio" else "news"]
    strip = re.compile(re.escape(open_tag) + "|" + re.escape(close_tag))
    out = []
    for akey in sorted(rows_by_article):
        segs = rows_by_article[akey]
        lines, segments, pos = [], [], 0
        for sid in sorted(segs):
            rows = segs[sid]
            text = " ".join(strip.sub("", rows[0]["tagged"]).split())
            if not text:
                continue
            by_rater: dict[str, list[dict]] = defaultdict(list)
            for r in rows:
                by_rater[r["rater"]].append(r)
            garbled_raters, major, minor, cats = set(), [], [], set()
            for rater, rs in by_rater.items():
                for r in rs:
                    sev = r["severity"].strip().lower()
                    cat = r["category"]
                    if not cat or cat.lower() in ("no-error", "no error"):
                        continue
                    fluent = _is_fluency(domain, cat)
                    if _is_non_translation(cat) or (fluent and sev in ("major", "critical")):
                        garbled_raters.add(rater)
                        cats.add(cat.strip())
                        sp = _span(" ".join(r["tagged"].split()), open_tag, close_tag)
                        if sp:
                            major.append((pos + sp[0], pos + sp[1]))
                    elif fluent and sev == "minor":
                        sp = _span(" ".join(r["tagged"].split()), open_tag, close_tag)
                        if sp:
                            minor.append((pos + sp[0], pos + sp[1]))
            clean = all(all(not r["category"] or r["category"].lower() in ("no-error", "no error") for r in rs)
                        for rs in by_rater.values())
            label = "garbled" if garbled_raters else "clean" if clean else "other"
            strict = ""
            if domain == "news2020":
                strict = "garbled" if len(garbled_raters) >= 2 else "clean" if clean else "other"
            segments.append(Segment(pos, pos + len(text), label, strict, major, minor, tuple(sorted(cats)),
                                    len(garbled_raters)))
            lines.append(text)
            pos += len(text) + 1
        if segments:
            out.append(Article(key_of(akey), domain, split_of(akey), "\n".join(lines), segments))
    return out


@cache
def news_articles() -> tuple[Article, ...]:
    out: list[Article] = []
    for year in (2020, 2021):
        rows: dict[tuple, dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
        with lzma.open(SHARED / "data" / "mqm-news-zhen" / f"mqm_newstest{year}_zhen.tsv.xz", "rt",
                       encoding="utf-8") as f:
            for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                rows[(r["system"], r["doc"])][int(r["seg_id"])].append(
                    {"tagged": r["target"] or "", "rater": r["rater"], "category": r["category"] or "",
                     "severity": r["severity"] or ""})
        out += _build(f"news{year}", rows, lambda k, y=year: doc_split(y, k[1]),
                      lambda k, y=year: f"news{y}/{k[0]}/{k[1]}")
    return tuple(out)


@cache
def bio_articles() -> tuple[Article, ...]:
    rows: dict[tuple, dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
    with tarfile.open(SHARED / "data" / "bio-mqm-x-en" / "bio_mqm_batch1_de_es_pt_zh_to_en.tar.xz") as tar:
        for m in tar.getmembers():
            if not m.name.endswith(".tsv"):
                continue
            data = tar.extractfile(m).read().decode("utf-8")
            for r in csv.DictReader(io.StringIO(data), delimiter="\t", quoting=csv.QUOTE_NONE):
                if not r.get("Tagged_Target") and not r.get("Target"):
                    continue
                rows[(m.name, r["Doc"])][int(r["SEG_ID"])].append(
                    {"tagged": r.get("Tagged_Target") or r.get("Target") or "", "rater": r.get("Annotator_ID", ""),
                     "category": r.get("Error Category") or "", "severity": r.get("Severity") or ""})
    return tuple(_build("bio", rows, lambda k: doc_split(0, k[1]), lambda k: f"bio/{k[0].rsplit('/', 1)[-1]}/{k[1]}"))


@cache
def ted_articles() -> tuple[Article, ...]:
    rows: dict[tuple, dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
    with (SHARED / "data" / "mqm-ted-zhen" / "mqm_ted_zhen.tsv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            rows[(r["system"], r["doc"])][int(r["seg_id"])].append(
                {"tagged": r["target"] or "", "rater": r["rater"], "category": r["category"] or "",
                 "severity": r["severity"] or ""})
    return tuple(_build("ted", rows, lambda k: "dev", lambda k: f"ted/{k[0]}/{k[1]}"))
