"""GitHub Actions workflow commands: annotations on the changed wire files."""

from __future__ import annotations

from checker.findings import FailedInput, Report
from checker.render.base import Renderer, register
from checker.render.safe import printable

COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(s: str) -> str:
    """Workflow-command escaping, after control characters (terminal escapes) are made visible."""
    return printable(s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_prop(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


@register
class GithubRenderer(Renderer):
    name = "github"
    label = "GitHub annotations"
    to_stdout = True
    batch = True

    def render_batch(self, reports: list[Report], failures: list[FailedInput]) -> str:
        lines = []
        for r in reports:
            for f in r.active:
                props = f"file={_escape_prop(r.path)},line={f.line},col={f.column},title={_escape_prop(f.rule)}"
                lines.append(f"::{COMMAND[f.severity]} {props}::{_escape_data(f.full_message())}")
        for fail in failures:
            lines.append(f"::error file={_escape_prop(fail.path)},title=unreadable::{_escape_data(fail.error)}")
        return "\n".join(lines) + ("\n" if lines else "")
