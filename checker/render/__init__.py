"""Renderers: each turns finished reports into one format and does nothing else. Register by name."""

from __future__ import annotations

from typing import ClassVar

from checker.findings import FailedInput, Report


class Renderer:
    name: ClassVar[str]
    extension: ClassVar[str] = ""
    to_stdout: ClassVar[bool] = False  # text-like formats print instead of writing a file
    batch: ClassVar[bool] = False  # one output for the whole run instead of one per input

    def render(self, report: Report) -> str:
        """One article; batch formats render it as a batch of one."""
        return self.render_batch([report], [])

    def render_batch(self, reports: list[Report], failures: list[FailedInput]) -> str:
        raise NotImplementedError


RENDERERS: dict[str, type[Renderer]] = {}


def register(cls: type[Renderer]) -> type[Renderer]:
    RENDERERS[cls.name] = cls
    return cls


from checker.render import github as _github  # noqa: E402,F401
from checker.render import html as _html  # noqa: E402,F401
from checker.render import json as _json  # noqa: E402,F401
from checker.render import jsonl as _jsonl  # noqa: E402,F401
from checker.render import junit as _junit  # noqa: E402,F401
from checker.render import sarif as _sarif  # noqa: E402,F401
from checker.render import text as _text  # noqa: E402,F401
