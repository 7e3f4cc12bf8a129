"""Terminal text: one line per finding in the `path:line:col severity rule message` style of linters."""

from __future__ import annotations

from rich.markup import escape

from checker.findings import FailedInput, Report
from checker.render.base import Renderer, register
from checker.render.safe import printable

ICON = {"error": "✖", "warning": "⚠", "info": "ℹ"}
STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


@register
class TextRenderer(Renderer):
    name = "text"
    label = "terminal text"
    to_stdout = True
    batch = True
    markup = True

    def render_batch(self, reports: list[Report], failures: list[FailedInput]) -> str:
        """Rich markup; the CLI prints it through a rich Console (plain when not a terminal)."""
        lines = []
        for r in reports:
            lines.append(f"[bold underline]{escape(printable(r.path))}[/]")
            if not r.active:
                lines.append("  [green]✔ no findings[/]")
            for f in r.active:
                ln, col = f.line, f.column
                lines.append(f"  {ln}:{col}\t[{STYLE[f.severity]}]{ICON[f.severity]} {f.severity}[/]\t"
                             f"[dim]{f.rule}[/]\t{escape(printable(f.full_message()))}")
            c = r.counts()
            lines.append(f"  [dim]{len([s for s in r.sentences if s.kind == 'sentence'])} sentences, "
                         f"{c['error']} errors, {c['warning']} warnings, {c['info']} notes[/]")
            lines.append("")
        for fail in failures:
            lines.append(f"[bold red]✖ {escape(printable(fail.path))}: {escape(printable(fail.error))}[/]")
        return "\n".join(lines).rstrip() + "\n"
