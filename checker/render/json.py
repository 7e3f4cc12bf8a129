"""JSON: the stable `checker-report/1` contract, one file per input."""

from __future__ import annotations

import json

from checker.findings import Report
from checker.render import Renderer, register


@register
class JsonRenderer(Renderer):
    name = "json"
    extension = "json"

    def render(self, report: Report) -> str:
        return json.dumps(report.to_dict(), ensure_ascii=False, indent=1) + "\n"
