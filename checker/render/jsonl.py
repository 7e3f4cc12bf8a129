"""JSON Lines for batches: one finding per line, with its file, for log pipelines and jq."""

from __future__ import annotations

import json

from checker.findings import FailedInput, Report
from checker.render.base import Renderer, register


@register
class JsonlRenderer(Renderer):
    name = "jsonl"
    label = "JSON Lines"
    extension = "jsonl"
    media_type = "application/x-ndjson"
    batch = True
    batch_name = "checker.jsonl"

    def render_batch(self, reports: list[Report], failures: list[FailedInput]) -> str:
        lines = []
        for r in reports:
            for f in r.findings:
                lines.append(json.dumps({
                    "path": r.path, "rule": f.rule, "severity": f.severity, "message": f.message,
                    "line": f.line, "column": f.column, "start": f.start, "end": f.end, "score": round(f.score, 4),
                    "sentences": f.sentences, "suppressed": f.suppressed,
                    **({"source": f.source_text} if f.source_text else {})}, ensure_ascii=False))
        for fail in failures:
            lines.append(json.dumps({"path": fail.path, "error": fail.error}, ensure_ascii=False))
        return "\n".join(lines) + ("\n" if lines else "")
