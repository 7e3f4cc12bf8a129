"""JSON: the stable `checker-report/1` contract, one file per input."""

from __future__ import annotations

import json

from checker.findings import Report
from checker.render.base import Renderer, register


@register
class JsonRenderer(Renderer):
    name = "json"
    label = "JSON (checker-report/1)"
    extension = "json"
    media_type = "application/json"

    def render(self, report: Report) -> str:
        return json.dumps(report.to_dict(), ensure_ascii=False, indent=1) + "\n"
