"""SARIF 2.1.0 for GitHub code scanning: one run, rules with help text, results with physical locations."""

from __future__ import annotations

import json
from pathlib import Path

from checker import __version__
from checker.findings import FailedInput, Report
from checker.render.base import Renderer, register
from checker.render.safe import file_uri
from checker.rules import INFOS, rule_info
from checker.signature import short_signature

LEVEL = {"error": "error", "warning": "warning", "info": "note"}
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"


def _uri(path: str) -> str:
    """A percent-encoded relative reference to the input (RFC 3986), as SARIF wants."""
    p = Path(path)
    if path == "-":
        return "stdin"
    try:
        rel = p.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        rel = p.as_posix()
    return file_uri(rel)


@register
class SarifRenderer(Renderer):
    name = "sarif"
    label = "SARIF 2.1.0"
    extension = "sarif"
    media_type = "application/sarif+json"
    batch = True
    batch_name = "checker.sarif"

    def render_batch(self, reports: list[Report], failures: list[FailedInput]) -> str:
        ids = sorted(set(INFOS) | {f.rule for r in reports for f in r.findings})
        index = {rid: i for i, rid in enumerate(ids)}
        descriptors = []
        for rid in ids:
            info = rule_info(rid)
            descriptors.append({
                "id": rid, "name": "".join(w.capitalize() for w in rid.split("-")),
                "shortDescription": {"text": info.summary or info.label},
                "fullDescription": {"text": info.explanation or info.label},
                "help": {"text": info.explanation or info.label, "markdown": f"**{rid}**: {info.explanation}"},
                "defaultConfiguration": {"level": LEVEL[info.default_severity]},
            })
        results = []
        for r in reports:
            for f in r.findings:
                end_line, end_col = _end(r, f)
                res = {
                    "ruleId": f.rule, "ruleIndex": index.get(f.rule, 0), "level": LEVEL[f.severity],
                    "message": {"text": f.full_message()},
                    "locations": [{"physicalLocation": {
                        "artifactLocation": {"uri": _uri(r.path)},
                        "region": {"startLine": f.line or 1, "startColumn": f.column or 1,
                                   "endLine": end_line, "endColumn": end_col,
                                   "charOffset": f.start, "charLength": max(f.end - f.start, 0)}}}],
                    "partialFingerprints": {"checkerSentence/v1": r.fingerprint(f)},
                    "properties": {"score": round(f.score, 4), "sentences": f.sentences},
                }
                if f.suppressed:
                    res["suppressions"] = [{"kind": "inSource", "justification": f.suppression_reason}]
                results.append(res)
        notifications = [{"level": "error", "message": {"text": f"{fail.path}: {fail.error}"}} for fail in failures]
        log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [{
            "tool": {"driver": {"name": "checker", "version": __version__, "semanticVersion": __version__,
                                "informationUri": "https://example.invalid/checker", "rules": descriptors}},
            "results": results,
            "invocations": [{"executionSuccessful": not failures, "toolExecutionNotifications": notifications}],
            "columnKind": "unicodeCodePoints",
            "properties": _signatures(reports),
        }]}
        return json.dumps(log, indent=1, ensure_ascii=False) + "\n"


def _end(r: Report, f) -> tuple[int, int]:
    line, col = r.line_col(max(f.end - 1, f.start))
    return line, col + 1


def _signatures(reports: list[Report]) -> dict:
    """The run's reproducibility signature (one per distinct engine setting in the batch)."""
    sigs = []
    for r in reports:
        if r.signature and r.signature not in sigs:
            sigs.append(r.signature)
    if not sigs:
        return {}
    return {"signature": sigs[0] if len(sigs) == 1 else sigs,
            "signatureText": " ; ".join(short_signature(s) for s in sigs)}
