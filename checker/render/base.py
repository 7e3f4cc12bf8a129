"""What every renderer declares, and the registry the CLI, the server and the batch writer read.

A renderer turns finished reports into one format and does nothing else. It says how its output travels: a
file per article (`extension`), a file for the whole run (`batch_name`), or standard output (`to_stdout`); its
HTTP media type; and whether its text carries rich markup that a plain reader must strip (`markup`).
"""

from __future__ import annotations

from typing import ClassVar

from checker.findings import FailedInput, Report


class Renderer:
    name: ClassVar[str]
    label: ClassVar[str] = ""  # what a person calls it ("SARIF 2.1.0"); the name when empty
    extension: ClassVar[str] = ""  # per-article files: <stem>.<extension>
    media_type: ClassVar[str] = "text/plain; charset=utf-8"
    to_stdout: ClassVar[bool] = False  # printed instead of written
    batch: ClassVar[bool] = False  # one output for the whole run instead of one per input
    batch_name: ClassVar[str] = ""  # the whole run's file in the output folder ("index.html"); none when empty
    markup: ClassVar[bool] = False  # the text is rich markup (the CLI prints it styled; `plain` strips it)

    def render(self, report: Report) -> str:
        """One article; batch formats render it as a batch of one."""
        return self.render_batch([report], [])

    def render_batch(self, reports: list[Report], failures: list[FailedInput]) -> str:
        raise NotImplementedError


RENDERERS: dict[str, type[Renderer]] = {}


def register(cls: type[Renderer]) -> type[Renderer]:
    if cls.name in RENDERERS:
        raise ValueError(f"output format {cls.name} registered twice")
    taken = {r.batch_name for r in RENDERERS.values() if r.batch_name}
    if cls.batch_name and cls.batch_name in taken:
        raise ValueError(f"output format {cls.name}: batch file {cls.batch_name} is already another format's")
    RENDERERS[cls.name] = cls
    return cls
