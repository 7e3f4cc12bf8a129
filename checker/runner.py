"""Batch running: load models once, check each input, keep going past bad files, write outputs."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from checker.errors import CheckerError
from checker.findings import FailedInput, Report
from checker.ingest import expand_paths, read_path
from checker.pipeline import Checker


@functools.cache
def load_models() -> dict[str, Any]:
    """The only place models are loaded: once per process, however many files or commands use them."""
    from transformers.utils import logging as hf_logging

    from checker.garble import GarbleModel
    from checker.lm import LanguageModel
    from checker.modelstore import ModelError, prepare_lm
    from checker.nli import NLIModel

    hf_logging.disable_progress_bar()  # loading bars are noise in a linter's output
    try:
        models: dict[str, Any] = {"lm": LanguageModel(prepare_lm()), "garble": GarbleModel()}
        models["nli"] = NLIModel()
    except (ModelError, OSError, ValueError) as exc:
        raise CheckerError(f"cannot load models: {exc}") from exc
    return models


def load_checker(options: dict[str, Any] | None = None, progress: Console | None = None) -> Checker:
    if progress:
        with progress.status("loading models"):
            models = load_models()
    else:
        models = load_models()
    extra = {k: v for k, v in models.items() if k not in ("lm", "garble")}
    return Checker(models["lm"], models["garble"], extra_models=extra, options=options or {})


def write_outputs(report: Report, formats: list[str], out: Path) -> None:
    from checker.render import RENDERERS

    for fmt in formats:
        r = RENDERERS[fmt]()
        if r.to_stdout or r.batch:
            continue
        (out / f"{report.stem}.{r.extension}").write_text(r.render(report), encoding="utf-8")


def write_batch_outputs(reports: list[Report], failures: list[FailedInput], formats: list[str], out: Path) -> None:
    from checker.render import RENDERERS

    for fmt in formats:
        r = RENDERERS[fmt]()
        if fmt == "html":
            (out / "index.html").write_text(r.render_batch(reports, failures), encoding="utf-8")
        elif r.batch and not r.to_stdout and r.extension:
            (out / f"checker.{r.extension}").write_text(r.render_batch(reports, failures), encoding="utf-8")


def run_batch(checker: Checker, paths: list[str], formats: list[str], out: Path, max_bytes: int,
              console: Console | None = None, input_format: str | None = None, include: list[str] | None = None,
              exclude: list[str] | None = None, before_write: Callable[[Report], object] | None = None,
              ) -> tuple[list[Report], list[FailedInput]]:
    files = list(dict.fromkeys(expand_paths(paths, include, exclude)))
    reports: list[Report] = []
    failures: list[FailedInput] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CheckerError(f"cannot create output folder {out}: {exc.strerror}") from exc
    progress = Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, transient=True,
                        disable=console is None or len(files) < 2)
    stems: dict[str, int] = {}
    with progress:
        task = progress.add_task("checking", total=len(files))
        for path in files:
            progress.update(task, description=f"checking {Path(path).name}")
            try:
                doc = read_path(path, input_format, max_bytes=max_bytes)
                report = checker.check(doc)
                if before_write:
                    before_write(report)
                n = stems.get(report.stem, 0)
                stems[report.stem] = n + 1
                if n:  # two inputs with one file name must not overwrite each other's report
                    report.output_stem = f"{report.stem}-{n + 1}"
                write_outputs(report, formats, out)
                reports.append(report)
            except CheckerError as exc:
                failures.append(FailedInput(path, str(exc)))
            except Exception as exc:
                failures.append(FailedInput(path, f"internal error: {type(exc).__name__}: {exc}"))
            progress.advance(task)
    write_batch_outputs(reports, failures, formats, out)
    return reports, failures
