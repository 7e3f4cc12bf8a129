"""Batch running: load models once, check each input, keep going past bad files, write outputs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from checker.engine import Engine
from checker.errors import CheckerError
from checker.findings import FailedInput, Report
from checker.ingest import expand_paths, read_path
from checker.models import Models, default_models
from checker.settings import Settings


def build_engine(settings: Settings | None = None, models: Models | None = None) -> Engine:
    """The one engine a CLI run, a server or a worker uses; models come from the process-wide container."""
    settings = settings or Settings()
    return Engine(models or default_models(settings.threads), settings)


def load_checker(settings: Settings | None = None, progress: Console | None = None) -> Engine:
    """An engine with its model parts loaded now (with a status line when a console is given)."""
    engine = build_engine(settings)
    if progress:
        with progress.status("loading models"):
            engine.warm_up()
    else:
        engine.warm_up()
    return engine


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


def run_batch(engine: Engine, paths: list[str], formats: list[str], out: Path,
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
                doc = read_path(path, input_format, max_bytes=engine.settings.max_bytes)
                report = engine.check(doc)
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


def read_report(path: str) -> Report:
    """A `checker-report/1` JSON file back into a report, with one-line errors for anything else."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckerError("no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckerError(f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    except json.JSONDecodeError as exc:
        raise CheckerError(f"not JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, dict):
        raise CheckerError("not a checker report (JSON is not an object)")
    try:
        return Report.from_dict(data)
    except ValueError as exc:
        raise CheckerError(str(exc)) from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise CheckerError(f"malformed checker report: {type(exc).__name__} {exc}") from None


def render_batch(paths: list[str], formats: list[str], out: Path) -> tuple[list[Report], list[FailedInput]]:
    """Re-render saved reports (no model is loaded): editors re-open old reports, shards merge in one place."""
    reports: list[Report] = []
    failures: list[FailedInput] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CheckerError(f"cannot create output folder {out}: {exc.strerror}") from exc
    stems: dict[str, int] = {}
    for path in paths:
        try:
            report = read_report(path)
            n = stems.get(report.stem, 0)
            stems[report.stem] = n + 1
            if n:
                report.output_stem = f"{report.stem}-{n + 1}"
            write_outputs(report, formats, out)
            reports.append(report)
        except CheckerError as exc:
            failures.append(FailedInput(path, str(exc)))
    write_batch_outputs(reports, failures, formats, out)
    return reports, failures
