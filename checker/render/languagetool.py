"""LanguageTool's check answer (API v2 JSON), one file per input: what `POST /v2/check` answers, for tools that
already read LanguageTool's output (offsets in UTF-16 code units, into the original file's text)."""

from __future__ import annotations

import json

from checker import languagetool as lt
from checker.findings import Report
from checker.render.base import Renderer, register


@register
class LanguageToolRenderer(Renderer):
    name = "languagetool"
    label = "LanguageTool API v2 JSON"
    extension = "lt.json"
    media_type = "application/json"

    def render(self, report: Report) -> str:
        original = report.source if report.source is not None else report.text
        runs = report.runs if report.source is not None else [(0, 0, len(report.text))]
        text = lt.Text(original, report.text, runs)
        return json.dumps(lt.answer(report, text, lt.language("en")), ensure_ascii=False, indent=1) + "\n"
