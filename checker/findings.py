"""Findings and reports: plain dataclasses that every renderer reads and no renderer changes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"error": 3, "warning": 2, "info": 1, "never": 99}


@dataclass
class TokenOut:
    start: int
    end: int
    surprisal: float


@dataclass
class SentenceResult:
    id: int
    start: int
    end: int
    text: str
    kind: str
    paragraph: int
    garble: float = 0.0
    flagged: bool = False
    tokens: list[TokenOut] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)
    span: tuple[int, int] | None = None  # most surprising window, character offsets


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

    @property
    def stem(self) -> str:
        from pathlib import Path

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

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON contract, schema checker-report/1."""
        return {
            "schema": "checker-report/1",
            "input": {"path": self.path, "sha256": self.sha256, "format": self.format, "metadata": self.metadata},
            "sentences": [{
                "id": s.id, "start": s.start, "end": s.end, "text": s.text, "kind": s.kind,
                "garble": round(s.garble, 4), "flagged": s.flagged,
                "tokens": [asdict(t) for t in s.tokens],
            } for s in self.sentences],
            "findings": [{
                "rule": f.rule, "severity": f.severity, "message": f.message, "sentences": f.sentences,
                "start": f.start, "end": f.end, "score": round(f.score, 4), "line": f.line, "column": f.column,
                **({"suppressed": True, "suppression_reason": f.suppression_reason} if f.suppressed else {}),
                **({"spans": [list(sp) for sp in f.spans]} if f.spans else {}),
                **({"data": f.data} if f.data else {}),
            } for f in self.findings],
            "models": [asdict(m) for m in self.models],
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


@dataclass
class FailedInput:
    """A path that could not be checked; batches keep going and list it."""

    path: str
    error: str
