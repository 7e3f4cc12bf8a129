"""Baselines: record today's findings so CI reports only new ones. Matched by rule and sentence text,
so findings survive lines moving around the file."""

from __future__ import annotations

import json
import re
from pathlib import Path

from checker.errors import CheckerError
from checker.findings import Report
from checker.outputs import write_atomic

SCHEMA = "checker-baseline/1"


def write_baseline(reports: list[Report], path: Path) -> int:
    entries = sorted({(Path(r.path).name, f.rule, r.fingerprint(f)) for r in reports for f in r.active})
    try:
        write_atomic(path, json.dumps({"schema": SCHEMA, "findings": [
            {"file": name, "rule": rule, "fingerprint": fp} for name, rule, fp in entries]}, indent=1) + "\n")
    except OSError as exc:
        raise CheckerError(f"cannot write baseline {path}: {exc.strerror or exc}") from None
    return len(entries)


def load_baseline(path: Path) -> set[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckerError(f"cannot read baseline {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise CheckerError(f"{path} is not a {SCHEMA} file")
    findings = data.get("findings", [])
    if not isinstance(findings, list):
        raise CheckerError(f"{path}: \"findings\" must be a list, not {type(findings).__name__}")
    out = set()
    for n, e in enumerate(findings):
        if not isinstance(e, dict):
            raise CheckerError(f"{path}: findings[{n}] must be an object")
        for key in ("fingerprint", "rule", "file"):
            if not isinstance(e.get(key), str):
                raise CheckerError(f"{path}: findings[{n}].{key} must be a string")
        if not re.fullmatch(r"[0-9a-f]{32}", e["fingerprint"]):
            raise CheckerError(f"{path}: findings[{n}].fingerprint must be 32 hex digits")
        out.add(e["fingerprint"])
    return out


def apply_baseline(report: Report, known: set[str]) -> int:
    """Drop findings already in the baseline; return how many were dropped."""
    keep = [f for f in report.findings if report.fingerprint(f) not in known]
    dropped = len(report.findings) - len(keep)
    report.findings = keep
    return dropped
