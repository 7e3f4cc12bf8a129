"""Batch running: load models once, check each input, keep going past bad files, write outputs."""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from checker.engine import Engine, check_bytes
from checker.errors import CheckerError
from checker.findings import FailedInput, Report, check_report
from checker.ingest import expand_with_names, read_bytes
from checker.originals import Originals
from checker.outputs import prepare_folder, report_stems, run_lock, safe_part, write_batch, write_report
from checker.render import batch_names
from checker.render.safe import printable
from checker.settings import Settings


@dataclass
class Batch:
    reports: list[Report] = field(default_factory=list)
    failures: list[FailedInput] = field(default_factory=list)
    total: int = 0
    interrupted: str = ""  # the signal that stopped the run early, if any
    notes: list[str] = field(default_factory=list)  # what the backend wants said (a worker died, files retried)


Outcome = Report | str  # a finished report, or the one line saying why the file could not be checked


class Backend(Protocol):
    """Where checks run: this process (`LocalBackend`) or a cluster (`checker.cluster.RayBackend`). The runner
    around it (reading names, writing reports and batch files, progress, signals) is the same for all."""

    settings: Settings
    notes: list[str]

    def results(self, files: list[str], input_format: str | None, stop: Callable[[], str],
                starting: Callable[[str], None], sources: dict[str, str] | None = None,
                originals: Originals | None = None) -> Iterator[tuple[str, Outcome]]:
        """Each file's outcome, in any order; no new file starts once `stop()` names a signal. `sources` maps an
        input to its original (read through `originals`), for a source-aware check."""
        ...

    def close(self) -> None: ...


def check_file(engine: Engine, path: str, input_format: str | None, source: str | None = None,
               originals: Originals | None = None) -> Outcome:
    """One file through one engine (against its original, when one is given); anything but a report becomes its
    one-line reason, and a bad original means the English is not checked either."""
    def run() -> Report:
        original = (originals or Originals()).read(source, engine.settings.max_bytes) if source else None
        return check_bytes(engine, path, read_bytes(path, engine.settings.max_bytes), input_format,
                           original=original)
    return outcome_of(run)


def outcome_of(check: Callable[[], Report]) -> Outcome:
    """A check's report, or the one line saying why it failed (here, or on a cluster worker)."""
    try:
        return check()
    except CheckerError as exc:
        return str(exc)
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        return f"internal error: {type(exc).__name__}: {exc}"


@dataclass
class LocalBackend:
    """One engine in this process, one file after another."""

    engine: Engine
    notes: list[str] = field(default_factory=list)

    @property
    def settings(self) -> Settings:
        return self.engine.settings

    def results(self, files: list[str], input_format: str | None, stop: Callable[[], str],
                starting: Callable[[str], None], sources: dict[str, str] | None = None,
                originals: Originals | None = None) -> Iterator[tuple[str, Outcome]]:
        for path in files:
            if stop():
                return
            starting(path)
            yield path, check_file(self.engine, path, input_format, (sources or {}).get(path), originals)

    def close(self) -> None:
        pass


def run_batch(engine: Engine | Backend, paths: list[str], formats: list[str], out: Path,
              console: Console | None = None, input_format: str | None = None, include: list[str] | None = None,
              exclude: list[str] | None = None, before_write: Callable[[Report], object] | None = None,
              stop: Callable[[], str] | None = None, originals: Originals | None = None) -> Batch:
    """Check every input; a bad input or an unwritable report is one failure line, never the end of the batch.
    `stop()` names a signal once one asked the run to end: the files being checked are finished, no further file
    is started, and the batch files are written for what is done. A KeyboardInterrupt abandons the current file.
    Report names and the order of reports in batch files follow the inputs, whichever check finishes first.
    `originals` pairs inputs with their original articles (source-aware checking); an input without one is
    checked English-only and its report says so."""
    backend: Backend = LocalBackend(engine) if isinstance(engine, Engine) else engine
    stop = stop or (lambda: "")
    refused: dict[str, str] = {}  # unreadable folders, links out of the tree: failures, never silence
    named = list(dict.fromkeys(expand_with_names(paths, include, exclude, refused)))
    files = list(dict.fromkeys(p for p, _ in named))
    originals = originals or Originals()
    originals.check_inputs(files)
    sources = {p: src for p, name in named if (src := originals.find(name))}
    order = {p: i for i, p in enumerate(files)}
    batch = Batch(total=len(files) + len(refused))
    batch.failures += [FailedInput(p, why) for p, why in sorted(refused.items())]
    prepare_folder(out)
    stems = report_stems(named)
    progress = Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, transient=True,
                        disable=console is None or len(files) < 2)
    waiting = (lambda: console.print(f"checker: waiting for another run writing to {escape(str(out))}")) \
        if console else None
    with run_lock(out, waiting), progress:
        task = progress.add_task("checking", total=len(files))

        def starting(path: str) -> None:
            progress.update(task, description=f"checking {escape(printable(Path(path).name))}")

        try:
            for path, outcome in backend.results(files, input_format, stop, starting, sources, originals):
                if isinstance(outcome, str):
                    batch.failures.append(FailedInput(path, outcome))
                else:
                    outcome.output_stem = stems[path]
                    if originals.folder and path not in sources:
                        outcome.stats["original"] = originals.missing_note()
                    try:
                        if before_write:
                            before_write(outcome)
                        write_report(outcome, formats, out)
                        batch.reports.append(outcome)
                    except OSError as exc:
                        batch.failures.append(FailedInput(path, f"cannot write its report: {exc.strerror or exc}"))
                progress.advance(task)
            if len(batch.reports) + len(batch.failures) < batch.total:
                batch.interrupted = stop()
        except KeyboardInterrupt:
            batch.interrupted = stop() or "SIGINT"
        batch.reports.sort(key=lambda r: order[r.path])
        batch.failures.sort(key=lambda f: order.get(f.path, len(order)))
        batch.notes = list(backend.notes)
        with _signals_ignored():
            write_batch(batch.reports, batch.failures, formats, out)
    return batch


@contextlib.contextmanager
def _signals_ignored():
    """The batch files are written whole even if a second signal arrives meanwhile."""
    old = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)
           if threading.current_thread() is threading.main_thread()}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


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
    except ValueError as exc:  # a number past Python's digit limit
        raise CheckerError(f"not a readable report: {exc}"[:300]) from None
    except RecursionError:
        raise CheckerError("not a readable report: JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise CheckerError("not a checker report (JSON is not an object)")
    try:
        report = Report.from_dict(data)
        check_report(report)
        return report
    except ValueError as exc:
        raise CheckerError(str(exc)[:300]) from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise CheckerError(f"malformed checker report: {type(exc).__name__} {exc}") from None


def render_batch(paths: list[str], formats: list[str], out: Path) -> Batch:
    """Re-render saved reports (no model is loaded): editors re-open old reports, shards merge in one place."""
    batch = Batch(total=len(paths))
    prepare_folder(out)
    loaded: list[Report] = []
    for path in paths:
        try:
            loaded.append(read_report(path))
        except CheckerError as exc:
            batch.failures.append(FailedInput(path, str(exc)))
    for r in loaded:  # the stem comes from the JSON, which is untrusted: a name inside `out`, never a batch file's
        r.output_stem = safe_stem(r.stem)
    counts: dict[str, int] = {}
    for r in loaded:
        counts[r.stem] = counts.get(r.stem, 0) + 1
    seen: dict[str, int] = {}
    with run_lock(out):
        for r in loaded:
            if counts[r.stem] > 1:  # shards from two runs may reuse a name: keep both
                seen[r.stem] = seen.get(r.stem, 0) + 1
                r.output_stem = f"{r.stem}-{seen[r.stem]}"
            try:
                write_report(r, formats, out)
                batch.reports.append(r)
            except OSError as exc:
                batch.failures.append(FailedInput(r.path, f"cannot write its report: {exc.strerror or exc}"))
            except Exception as exc:  # a report that passed the checks but still breaks a renderer: one line
                batch.failures.append(FailedInput(r.path, f"cannot render: {type(exc).__name__}: {exc}"[:300]))
        write_batch(batch.reports, batch.failures, formats, out)
    return batch


def safe_stem(stem: str) -> str:
    """A report name from an untrusted JSON as a relative path below the output folder: no absolute path, no
    "..", no hidden parts, and never a batch file's name ("index" → "index_")."""
    parts = [safe_part(p) for p in stem.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    name = "/".join(parts) or "report"
    return name + "_" if name in batch_names() else name
