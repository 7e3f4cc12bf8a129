"""HTML: one self-contained page per article (jinja2, autoescaped; wire text never becomes markup)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from checker import __version__
from checker.findings import FLAGGING, SEVERITY_RANK, FailedInput, Report
from checker.render.base import Renderer, register
from checker.render.safe import href
from checker.rules import INFOS, rule_info
from checker.signature import short_signature

TEMPLATES = Path(__file__).parent / "templates"
ENV = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]),
                  trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class Inline:
    """A page's own style and script, inlined (a report is one file) and named by hash in its
    Content-Security-Policy: nothing else runs, not even a <script> smuggled past escaping."""

    css: Markup
    js: Markup
    csp: str


def source_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def policy(styles: list[str], scripts: list[str], extra: str = "") -> str:
    """A strict CSP: no default source, only the listed inline blocks (and `extra`, e.g. a server's 'self')."""
    style = " ".join(source_hash(s) for s in styles)
    script = " ".join(source_hash(s) for s in scripts)
    return (f"default-src 'none'; style-src {style}; script-src {script}; img-src data:; base-uri 'none'; "
            f"form-action 'none'{extra}")


@cache
def inline(page: str) -> Inline:
    css = (TEMPLATES / f"{page}.css").read_text(encoding="utf-8")
    js = (TEMPLATES / f"{page}.js").read_text(encoding="utf-8")
    return Inline(Markup(css), Markup(js), policy([css], [js]))


def rule_labels(extra: set[str] | None = None) -> dict[str, str]:
    """Labels of every registered rule id, plus any id an older report carries."""
    return {rid: rule_info(rid).label for rid in set(INFOS) | (extra or set())}


@dataclass
class Piece:
    text: str
    mark: bool = False
    surprisal: float | None = None


@dataclass
class SentenceView:
    id: int
    kind: str
    severity: str | None
    garble: float
    pieces: list[Piece]
    tokens: list[Piece]
    finding_ids: list[int] = field(default_factory=list)


def verdict(report: Report) -> str:
    by_rule: dict[str, set[int]] = {}
    for f in report.active:
        if f.severity in FLAGGING:
            by_rule.setdefault(f.rule, set()).update(f.sentences)
    if not by_rule:
        return "No problems found"
    parts = []
    garbled = len(by_rule.pop("garbled", set()))
    if garbled:
        parts.append(f"{garbled} sentence{'s' if garbled != 1 else ''} need{'s' if garbled == 1 else ''} an editor")
    for rule in sorted(by_rule):
        n = sum(1 for f in report.active if f.rule == rule and f.severity in FLAGGING)
        label = rule_labels({rule})[rule].lower()
        parts.append(f"{n} possible {label}{'s' if n != 1 and not label.endswith('s') else ''}")
    return ", ".join(parts)


def sentence_views(report: Report) -> list[list[SentenceView]]:
    """Paragraphs of sentence views, with the surprising span split out for underlining."""
    sev_of: dict[int, str] = {}
    fids: dict[int, list[int]] = {}
    for i, f in enumerate(report.active):
        for sid in f.sentences:
            fids.setdefault(sid, []).append(i)
            if SEVERITY_RANK[f.severity] > SEVERITY_RANK.get(sev_of.get(sid, ""), 0):
                sev_of[sid] = f.severity
    marks: dict[int, list[tuple[int, int]]] = {}
    for f in report.active:
        spans = f.spans or ([(f.start, f.end)] if f.rule == "garbled" and f.data.get("underline", [1]) else [])
        for sid in f.sentences:
            s = report.sentences[sid]
            marks.setdefault(sid, []).extend((a, b) for a, b in spans if s.start <= a < s.end)
    paragraphs: dict[int, list[SentenceView]] = {}
    for s in report.sentences:
        pieces, pos = [], s.start
        for a, b in sorted(set(marks.get(s.id, []))):
            a, b = max(a, pos), min(b, s.end)
            if a >= b:
                continue
            if a > pos:
                pieces.append(Piece(report.text[pos:a]))
            pieces.append(Piece(report.text[a:b], mark=True))
            pos = b
        if pos < s.end:
            pieces.append(Piece(report.text[pos:s.end]))
        tokens, tpos = [], s.start
        for t in s.tokens:
            if t.start > tpos:
                tokens.append(Piece(report.text[tpos:t.start]))
            tokens.append(Piece(report.text[t.start:t.end], surprisal=t.surprisal))
            tpos = max(tpos, t.end)
        if tpos < s.end:
            tokens.append(Piece(report.text[tpos:s.end]))
        paragraphs.setdefault(s.paragraph, []).append(
            SentenceView(s.id, s.kind, sev_of.get(s.id), s.garble, pieces, tokens, fids.get(s.id, [])))
    return [paragraphs[k] for k in sorted(paragraphs)]


def heat(surprisal: float | None) -> str:
    if surprisal is None:
        return ""
    level = min(int(surprisal // 2.5), 5)
    return f"h{level}"


ENV.filters["heat"] = heat


@register
class HtmlRenderer(Renderer):
    name = "html"
    label = "HTML (editors)"
    extension = "html"
    media_type = "text/html; charset=utf-8"
    batch_name = "index.html"

    def render(self, report: Report) -> str:
        rules = sorted({f.rule for f in report.active})
        first = next((s for s in report.sentences if s.kind != "dateline"), None)
        title = report.metadata.get("headline") or (first.text if first and first.kind == "heading" else report.stem)
        return ENV.get_template("report.html.j2").render(
            page=inline("report"), r=report, title=title, verdict=verdict(report), paragraphs=sentence_views(report),
            counts=report.counts(), rules=rules, rule_label=rule_labels(set(rules)), version=__version__,
            signature=short_signature(report.signature),
            total_time=report.total_seconds,
            findings=report.active,
            rule_counts={rule: sum(1 for f in report.active if f.rule == rule) for rule in rules},
            strip=[(s.id, s.garble, "flag" if s.flagged else "") for s in report.sentences if s.kind == "sentence"])

    def render_batch(self, reports: list[Report], failures: list[FailedInput]) -> str:
        rows = []
        for r in reports:
            rows.append({"name": r.path, "href": href(f"{r.stem}.html"), "verdict": verdict(r), "counts": r.counts(),
                         "rules": {rule: sum(1 for f in r.active if f.rule == rule)
                                   for rule in sorted({f.rule for f in r.active})},
                         "worst": max((s.garble for s in r.sentences), default=0.0),
                         "rank": SEVERITY_RANK.get(r.worst() or "", 0)})
        rows.sort(key=lambda x: (-x["rank"], -x["worst"]))
        used = {rule for r in reports for rule in (f.rule for f in r.active)}
        return ENV.get_template("index.html.j2").render(page=inline("index"), rows=rows, failures=failures,
                                                         version=__version__, rule_label=rule_labels(used))
