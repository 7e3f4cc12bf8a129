"""Renderers: each turns finished reports into one format and does nothing else (`checker.render.base`).

A new output format is one module that subclasses `Renderer` with `@register`, and one import below.
"""

from __future__ import annotations

import io

from rich.console import Console

from checker.render import github as _github  # registration: one import per renderer module
from checker.render import html as _html
from checker.render import json as _json
from checker.render import jsonl as _jsonl
from checker.render import junit as _junit
from checker.render import languagetool as _languagetool
from checker.render import sarif as _sarif
from checker.render import text as _text
from checker.render.base import RENDERERS, Renderer, register

__all__ = ["RENDERERS", "Renderer", "batch_names", "plain", "register"]
_RENDERER_MODULES = (_github, _html, _json, _jsonl, _junit, _languagetool, _sarif, _text)


def plain(renderer: type[Renderer], text: str) -> str:
    """The renderer's text without rich markup (for files, HTTP answers and pipes); unchanged when it has none."""
    if not renderer.markup:
        return text
    console = Console(width=160, color_system=None, force_terminal=False, record=True, file=io.StringIO())
    console.print(text, end="", markup=True, highlight=False, soft_wrap=True)
    return console.export_text()


def batch_names() -> set[str]:
    """Stems the batch files take in an output folder ("index", "checker"): no article report may use them."""
    return {r.batch_name.split(".", 1)[0] for r in RENDERERS.values() if r.batch_name}
