"""Findings and reports: plain dataclasses that every renderer reads and no renderer changes.

`Report.to_dict()` is the `checker-report/1` JSON contract and `Report.from_dict()` its exact inverse, so a
report written today can be re-rendered later (or merged from a cluster's shards) without any model.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from checker import offsets
from checker.segment import Segment

SEVERITIES = ("error", "warning", "info")  # the one list; config, CLI and renderers read it from here
FAIL_ON = (*SEVERITIES, "never")
FailOn = Enum("FailOn", {level: level for level in FAIL_ON}, type=str)  # the CLI's and the API's choice of it
FLAGGING = ("error", "warning")  # severities that flag a sentence for an editor (info is a note)
SEVERITY_RANK = {"error": 3, "warning": 2, "info": 1, "never": 99}
SCHEMA = "checker-report/1"


@dataclass
class TokenOut:
    start: int
    end: int
    surprisal: float


@dataclass
class SentenceResult(Segment):
    """A segment with what the scoring stages found in it."""

    garble: float = 0.0
    flagged: bool = False
    tokens: list[TokenOut] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)
    spans: list[tuple[int, int]] = field(default_factory=list)  # what the garble scorer underlines
    reason: str = ""  # the garble scorer's reason, in editors' words
    span_scores: list[float] = field(default_factory=list)  # the scorer's confidence in each span (v3 scorers)
    source: list[int] = field(default_factory=list)  # the original's sentences this one renders (source-aware)
    adequacy: float | None = None  # P(a Major accuracy error | the source); None without a source

    @classmethod
    def of(cls, seg: Segment) -> SentenceResult:
        return cls(seg.id, seg.start, seg.end, seg.text, seg.kind, seg.paragraph, seg.cut)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "start": self.start, "end": self.end, "text": self.text,
                             "kind": self.kind, "paragraph": self.paragraph, "garble": self.garble,
                             "flagged": self.flagged, "tokens": [asdict(t) for t in self.tokens]}
        if self.features:
            d["features"] = self.features
        if self.spans:
            d["spans"] = [list(sp) for sp in self.spans]
        if self.span_scores:
            d["span_scores"] = list(self.span_scores)
        if self.reason:
            d["reason"] = self.reason
        if self.cut:
            d["cut"] = True
        if self.source:
            d["source"] = list(self.source)
        d["adequacy"] = self.adequacy
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SentenceResult:
        return cls(d["id"], d["start"], d["end"], d["text"], d["kind"], d.get("paragraph", 0), d.get("cut", False),
                   garble=d.get("garble", 0.0), flagged=d.get("flagged", False),
                   tokens=[TokenOut(t["start"], t["end"], t["surprisal"]) for t in d.get("tokens", [])],
                   features=dict(d.get("features", {})), spans=[(a, b) for a, b in d.get("spans", [])],
                   reason=d.get("reason", ""), span_scores=list(d.get("span_scores", [])),
                   source=list(d.get("source", [])), adequacy=d.get("adequacy"))


@dataclass
class Finding:
    rule: str
    severity: str
    message: str
    sentences: list[int]
    start: int
    end: int
    score: float
    spans: list[tuple[int, int]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    suppressed: bool = False
    suppression_reason: str = ""
    line: int = 0  # 1-based position in the original file (markup formats map back through ingest)
    column: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "severity": self.severity, "message": self.message, "sentences": self.sentences,
                "start": self.start, "end": self.end, "score": self.score, "line": self.line, "column": self.column,
                **({"suppressed": True, "suppression_reason": self.suppression_reason} if self.suppressed else {}),
                **({"spans": [list(sp) for sp in self.spans]} if self.spans else {}),
                **({"data": self.data} if self.data else {})}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Finding:
        return cls(d["rule"], d["severity"], d["message"], list(d["sentences"]), d["start"], d["end"], d["score"],
                   spans=[(a, b) for a, b in d.get("spans", [])], data=dict(d.get("data", {})),
                   suppressed=d.get("suppressed", False), suppression_reason=d.get("suppression_reason", ""),
                   line=d.get("line", 0), column=d.get("column", 0))


    @property
    def source_text(self) -> str:
        """The original's words a source-aware finding compares the English with ("" for any other finding)."""
        src = self.data.get("source")
        return src.get("text", "") if isinstance(src, dict) and isinstance(src.get("text"), str) else ""

    def full_message(self) -> str:
        """The message, with the source sentence quoted after it: what plain outputs (text, SARIF, GitHub,
        JUnit) print, where the source cannot stand beside the English."""
        src = self.source_text
        return f"{self.message} — source: “{src}”" if src else self.message


@dataclass
class SourceLink:
    """Which sentences of the original (ids) an English sentence or run renders; either side may be empty."""

    source: list[int]
    target: list[int]
    similarity: float = 0.0
    margin: float = 0.0


@dataclass
class SourceSide:
    """The original article a report was checked against: its language, sentences and the alignment."""

    path: str
    sha256: str
    format: str
    language: str  # ISO 639-1, "und" when it could not be told
    language_name: str
    text: str
    sentences: list[Segment]
    links: list[SourceLink]

    @property
    def aligned(self) -> int:
        return sum(len(lk.source) for lk in self.links if lk.source and lk.target)

    def summary(self) -> str:
        """ "Chinese, 34 sentences, 31 aligned" — what the report's header says."""
        n = len(self.sentences)
        return f"{self.language_name}, {n} sentence{'s' * (n != 1)}, {self.aligned} aligned"

    def joined(self, ids: list[int]) -> str:
        return " ".join(self.sentences[i].text for i in ids) if self.language not in ("zh", "ja") else \
            "".join(self.sentences[i].text for i in ids)

    def quote(self, ids: list[int]) -> dict[str, Any]:
        """What every source-* finding carries in `data`: the original's words, their offsets and sentence ids."""
        first, last = self.sentences[ids[0]], self.sentences[ids[-1]]
        return {"source": {"text": self.joined(ids), "start": first.start, "end": last.end, "sentences": list(ids),
                           "language": self.language}}

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "format": self.format, "language": self.language,
                "language_name": self.language_name, "summary": self.summary(), "text": self.text,
                "sentences": [{"id": s.id, "start": s.start, "end": s.end, "text": s.text, "kind": s.kind,
                               "paragraph": s.paragraph} for s in self.sentences],
                "links": [asdict(lk) for lk in self.links]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SourceSide:
        return cls(d["path"], d["sha256"], d.get("format", "text"), d["language"], d.get("language_name", ""),
                   d["text"], [Segment(s["id"], s["start"], s["end"], s["text"], s.get("kind", "sentence"),
                                       s.get("paragraph", 0)) for s in d["sentences"]],
                   [SourceLink(list(lk["source"]), list(lk["target"]), lk.get("similarity", 0.0),
                               lk.get("margin", 0.0)) for lk in d.get("links", [])])


@dataclass
class ModelRef:
    name: str
    version: str
    sha256: str


@dataclass
class Report:
    path: str
    sha256: str
    text: str
    sentences: list[SentenceResult]
    findings: list[Finding]
    models: list[ModelRef]
    timings: dict[str, float]
    format: str = "text"
    metadata: dict[str, str] = field(default_factory=dict)
    output_stem: str = ""
    source: str | None = None  # the original file text, when markup was stripped
    runs: list[tuple[int, int, int]] = field(default_factory=list)
    signature: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)  # what stages counted (NLI pairs, …)
    original: SourceSide | None = None  # the source-language article, when the check was given one

    @property
    def stem(self) -> str:
        if self.output_stem:
            return self.output_stem
        name = Path(self.path).name if self.path != "-" else "stdin"
        return name.rsplit(".", 1)[0] if "." in name else name

    @property
    def total_seconds(self) -> float:
        """Wall time of the stages; per-rule entries ("rule:<id>") are already inside "rules"."""
        return sum(v for k, v in self.timings.items() if ":" not in k)

    @property
    def active(self) -> list[Finding]:
        """Findings that count: not suppressed in the source."""
        return [f for f in self.findings if not f.suppressed]

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in SEVERITIES}
        for f in self.active:
            out[f.severity] += 1
        return out

    def worst(self) -> str | None:
        return max((f.severity for f in self.active), key=SEVERITY_RANK.__getitem__, default=None)

    def fails(self, fail_on: str) -> bool:
        w = self.worst()
        return w is not None and SEVERITY_RANK[w] >= SEVERITY_RANK[fail_on]

    def fingerprint(self, f: Finding) -> str:
        """A finding's identity across edits: its rule and its sentences' text (whitespace folded), not its
        offsets, so a baseline or a code-scanning alert survives lines moving around the file."""
        texts = " | ".join(" ".join(self.sentences[i].text.split()) for i in f.sentences)
        return hashlib.sha256(f"{f.rule}\n{texts}".encode()).hexdigest()[:32]

    def line_col(self, pos: int) -> tuple[int, int]:
        """1-based line and column of a text offset in the original file."""
        return offsets.line_col(self.text, self.source, self.runs, pos)

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON contract, schema checker-report/1 (fields are only ever added)."""
        d: dict[str, Any] = {
            "schema": SCHEMA,
            "input": {"path": self.path, "sha256": self.sha256, "format": self.format, "metadata": self.metadata,
                      "text": self.text, "stem": self.stem},
            "sentences": [s.to_dict() for s in self.sentences],
            "findings": [f.to_dict() for f in self.findings],
            "models": [asdict(m) for m in self.models],
            "timings": dict(self.timings),
            "signature": self.signature,
        }
        if self.source is not None:
            d["input"]["source"] = {"text": self.source, "runs": [list(r) for r in self.runs]}
        if self.stats:
            d["stats"] = self.stats
        if self.original is not None:
            d["original"] = self.original.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Report:
        """The inverse of to_dict; raises KeyError/TypeError/ValueError on a malformed report."""
        if d.get("schema") != SCHEMA:
            raise ValueError(f"not a {SCHEMA} report (schema {d.get('schema')!r})")
        inp = d["input"]
        src = inp.get("source")
        path = inp["path"]
        stem = inp.get("stem", "")
        report = cls(path, inp["sha256"], inp["text"], [SentenceResult.from_dict(s) for s in d["sentences"]],
                     [Finding.from_dict(f) for f in d["findings"]], [ModelRef(**m) for m in d.get("models", [])],
                     dict(d.get("timings", {})), inp.get("format", "text"), dict(inp.get("metadata", {})),
                     source=src["text"] if src else None,
                     runs=[(a, b, c) for a, b, c in src["runs"]] if src else [],
                     signature=dict(d.get("signature", {})), stats=dict(d.get("stats", {})),
                     original=SourceSide.from_dict(d["original"]) if d.get("original") is not None else None)
        if stem and stem != report.stem:
            report.output_stem = stem
        return report


@dataclass
class FailedInput:
    """A path that could not be checked; batches keep going and list it."""

    path: str
    error: str


def _int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _num(x: Any) -> bool:
    return (isinstance(x, int | float) and not isinstance(x, bool)) and math.isfinite(x)


def _spans(x: Any, limit: int) -> bool:
    return isinstance(x, list) and all(isinstance(p, tuple | list) and len(p) == 2 and all(_int(v) for v in p)
                                       and 0 <= p[0] <= p[1] <= limit for p in x)


def check_report(r: Report) -> None:
    """A report read back from JSON (untrusted: `checker render` takes shards made elsewhere) holds what the
    renderers expect; a ValueError names the first field that does not, instead of a renderer's traceback."""
    def need(ok: bool, where: str, what: str) -> None:
        if not ok:
            raise ValueError(f"malformed checker report: {where} must be {what}")

    for name in ("path", "sha256", "text", "format"):
        need(isinstance(getattr(r, name), str), f"input.{name}", "a string")
    need(all(isinstance(k, str) and isinstance(v, str) for k, v in r.metadata.items()), "input.metadata",
         "strings")
    need(r.source is None or isinstance(r.source, str), "input.source.text", "a string")
    need(all(len(run) == 3 and all(_int(v) and v >= 0 for v in run) for run in r.runs), "input.source.runs",
         "triples of offsets")
    n = len(r.text)
    for i, s in enumerate(r.sentences):
        w = f"sentences[{i}]"
        need(_int(s.id) and _int(s.start) and _int(s.end) and 0 <= s.start <= s.end <= n, w,
             "whole-number offsets within the text")
        need(isinstance(s.text, str) and isinstance(s.kind, str) and isinstance(s.reason, str), w, "text fields")
        need(_num(s.garble) and isinstance(s.flagged, bool), f"{w}.garble", "a number")
        need(all(_int(t.start) and _int(t.end) and _num(t.surprisal) for t in s.tokens), f"{w}.tokens",
             "offsets and numbers")
        need(_spans(s.spans, n), f"{w}.spans", "offset pairs within the text")
        need(isinstance(s.span_scores, list) and all(_num(v) and 0 <= v <= 1 for v in s.span_scores)
             and len(s.span_scores) in (0, len(s.spans)), f"{w}.span_scores", "one number in [0, 1] per span")
        need(all(isinstance(k, str) and _num(v) for k, v in s.features.items()), f"{w}.features", "numbers")
        need(s.adequacy is None or (_num(s.adequacy) and 0 <= s.adequacy <= 1), f"{w}.adequacy",
             "a number in [0, 1] or null")
        need(isinstance(s.source, list) and all(_int(k) and k >= 0 for k in s.source) and
             (not s.source or (r.original is not None and max(s.source) < len(r.original.sentences))),
             f"{w}.source", "indices of the original's sentences")
    for i, f in enumerate(r.findings):
        w = f"findings[{i}]"
        need(isinstance(f.rule, str) and isinstance(f.message, str), w, "text fields")
        need(f.severity in SEVERITIES, f"{w}.severity", f"one of {', '.join(SEVERITIES)}")
        need(isinstance(f.sentences, list) and all(_int(k) and 0 <= k < len(r.sentences) for k in f.sentences),
             f"{w}.sentences", "indices of the report's sentences")
        need(_int(f.start) and _int(f.end) and 0 <= f.start <= f.end <= n, w, "offsets within the text")
        need(_num(f.score), f"{w}.score", "a number")
        need(_spans([list(p) for p in f.spans] if isinstance(f.spans, list) else None, n), f"{w}.spans",
             "offset pairs within the text")
        need(isinstance(f.data, dict) and isinstance(f.suppressed, bool) and isinstance(f.suppression_reason, str),
             w, "well-typed")
        need(_int(f.line) and _int(f.column), w, "whole-number line and column")
        src = f.data.get("source") if isinstance(f.data, dict) else None
        need(src is None or (isinstance(src, dict) and isinstance(src.get("text"), str) and
                             isinstance(src.get("language", ""), str) and
                             all(_int(src.get(k, 0)) for k in ("start", "end"))), f"{w}.data.source",
             "an object with the source text, its language and offsets")
    need(all(isinstance(k, str) and _num(v) for k, v in r.timings.items()), "timings", "numbers")
    need(isinstance(r.signature, dict) and isinstance(r.stats, dict), "signature", "an object")
    need(isinstance(r.output_stem, str), "input.stem", "a string")
    if r.original is not None:
        o = r.original
        for name in ("path", "sha256", "format", "language", "language_name", "text"):
            need(isinstance(getattr(o, name), str), f"original.{name}", "a string")
        for i, s in enumerate(o.sentences):
            need(_int(s.id) and s.id == i and _int(s.start) and _int(s.end) and 0 <= s.start <= s.end <= len(o.text)
                 and isinstance(s.text, str) and isinstance(s.kind, str), f"original.sentences[{i}]",
                 "numbered in order, with offsets within the original's text")
        for i, lk in enumerate(o.links):
            need(isinstance(lk.source, list) and isinstance(lk.target, list) and
                 all(_int(k) and 0 <= k < len(o.sentences) for k in lk.source) and
                 all(_int(k) and 0 <= k < len(r.sentences) for k in lk.target) and _num(lk.similarity) and
                 _num(lk.margin), f"original.links[{i}]", "sentence indices of both sides and numbers")
