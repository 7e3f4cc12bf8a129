"""Baselines: record today's findings so CI reports only new ones. Matched by rule and sentence text,
so findings survive lines moving around the file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from checker.errors import CheckerError
from checker.findings import Finding, Report

SCHEMA = "checker-baseline/1"


def fingerprint(report: Report, f: Finding) -> str:
    texts = " | ".join(" ".join(report.sentences[i].text.split()) for i in f.sentences)
    return hashlib.sha256(f"{f.rule}\n{texts}".encode()).hexdigest()[:32]


def write_baseline(reports: list[Report], path: Path) -> int:
    entries = sorted({(Path(r.path).name, f.rule, fingerprint(r, f)) for r in reports for f in r.active})
    path.write_text(json.dumps({"schema": SCHEMA, "findings": [
        {"file": name, "rule": rule, "fingerprint": fp} for name, rule, fp in entries]}, indent=1) + "\n")
    return len(entries)


def load_baseline(path: Path) -> set[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckerError(f"cannot read baseline {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise CheckerError(f"{path} is not a {SCHEMA} file")
    return {e["fingerprint"] for e in data.get("findings", []) if isinstance(e, dict) and "fingerprint" in e}


def apply_baseline(report: Report, known: set[str]) -> int:
    """Drop findings already in the baseline; return how many were dropped."""
    keep = [f for f in report.findings if fingerprint(report, f) not in known]
    dropped = len(report.findings) - len(keep)
    report.findings = keep
    return dropped
