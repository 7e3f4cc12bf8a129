"""Command line: wires ingest → pipeline → renderers. Exit codes: 0 clean, 1 findings, 2 errors."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from checker import __version__
from checker.config import Config, load_config, settings_from
from checker.cpu import available_cpus, setup_process
from checker.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, CheckerError
from checker.findings import FailOn
from checker.ingest import READERS
from checker.limits import DEFAULT_MAX_BYTES
from checker.models import ModelsFactory, default_models
from checker.originals import Originals
from checker.render import RENDERERS
from checker.render.safe import printable
from checker.settings import Settings

if TYPE_CHECKING:
    from checker.runner import Backend

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Translation-quality and fact-consistency checks for machine-translated news.")
models_app = typer.Typer(help="Show or prepare the models checker uses.", invoke_without_command=True)
app.add_typer(models_app, name="models")
out_console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class Engine(str, Enum):
    local = "local"
    ray = "ray"


@dataclass(frozen=True)
class CliState:
    """What the process hands every command (typer's context object): where model parts come from. `main` gives
    the process-wide container; tests give a factory of fakes (`main(models_factory=…)`, `invoke(obj=…)`)."""

    models_factory: ModelsFactory = default_models


def models_factory(ctx: typer.Context) -> ModelsFactory:
    state = ctx.find_object(CliState)
    return state.models_factory if state else default_models


# help texts from the registries: a new input or output format shows here without touching this file
FormatsOption = Annotated[list[str] | None, typer.Option(
    "--format", "-f", help=f"{', '.join(RENDERERS)} (repeatable).")]
OutOption = Annotated[Path, typer.Option("--out", "-o", help="Folder for report files.")]
ThreadsOption = Annotated[int | None, typer.Option(min=1, envvar="CHECKER_THREADS",
                                                   help="Torch threads (default: the CPUs this process may use).")]
MaxBytesOption = Annotated[int, typer.Option(min=1, help="Refuse inputs larger than this many bytes.")]


def _version(value: bool) -> None:
    if value:
        out_console.print(f"checker {__version__}")
        raise typer.Exit()


@app.callback()
def root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                              help="Print the version and exit.")] = False) -> None:
    """checker reads wire copy and flags garbled sentences and internal inconsistencies."""


def say_error(message: str) -> None:
    """One line on stderr; file names and wire text inside it are shown, never interpreted (markup, escapes)."""
    err_console.print(f"[bold red]checker:[/] {escape(printable(message))}", markup=True)


def fail(message: str) -> None:
    say_error(message)
    raise typer.Exit(EXIT_ERROR)


def check_formats(formats: list[str]) -> None:
    unknown = [f for f in formats if f not in RENDERERS]
    if unknown:
        fail(f"unknown format {', '.join(unknown)} (choose from {', '.join(sorted(RENDERERS))})")


@contextlib.contextmanager
def stop_on_signals():
    """The first SIGINT/SIGTERM lets the current file finish and stops the batch (its files are still written);
    a second one abandons the current file at once."""
    received: list[str] = []

    def handler(signum, _frame):
        if received:
            raise KeyboardInterrupt
        received.append(signal.Signals(signum).name)

    if threading.current_thread() is not threading.main_thread():
        yield lambda: ""
        return
    old = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield lambda: received[0] if received else ""
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)


def settings_or_fail(paths: list[str], config: Path | None, *, threshold: float | None = None,
                     max_bytes: int | None = None, threads: int | None = None) -> tuple[Config, Settings]:
    """The config found for these inputs and the one `Settings` the command runs with (or one line, exit 2)."""
    try:
        cfg = load_config(paths, config)
        return cfg, settings_from(cfg, threshold=threshold, max_bytes=max_bytes, threads=threads or available_cpus())
    except CheckerError as exc:
        fail(str(exc))
        raise  # unreachable: fail exits


@app.command()
def check(
    ctx: typer.Context,
    paths: Annotated[list[str], typer.Argument(help="Files or folders to check; '-' reads stdin.")],
    format: FormatsOption = None,
    out: OutOption = Path("reports"),
    fail_on: Annotated[FailOn | None, typer.Option(help="Lowest severity that makes the exit code 1.")] = None,
    threshold: Annotated[float | None, typer.Option(min=0.0, max=1.0,
                                                    help="Garble probability for an error.")] = None,
    input_format: Annotated[str | None, typer.Option(
        help=f"{', '.join(READERS)} (default: detected).")] = None,
    include: Annotated[list[str] | None, typer.Option(help="Glob of files to take from folders.")] = None,
    exclude: Annotated[list[str] | None, typer.Option(help="Glob of files to skip in folders.")] = None,
    config: Annotated[Path | None, typer.Option(help="Config file (default: found upward).")] = None,
    baseline: Annotated[Path | None, typer.Option(help="Report only findings not in this baseline.")] = None,
    write_baseline: Annotated[Path | None, typer.Option(help="Record current findings as the baseline.")] = None,
    max_bytes: MaxBytesOption = DEFAULT_MAX_BYTES,
    threads: ThreadsOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
    engine: Annotated[Engine, typer.Option(help="Where checks run: this process, or Ray actors.")] = Engine.local,
    address: Annotated[str | None, typer.Option(help="Ray cluster: auto or ray://HOST:PORT (default: a local "
                                                     "Ray started for the run).")] = None,
    actors: Annotated[int | None, typer.Option(min=1, help="Ray actors, each holding the models once "
                                                           "(default: one per cluster CPU).")] = None,
    source: Annotated[str | None, typer.Option(help="The original article (any language, any input format) "
                                                    "of the one article checked: source-aware checks.")] = None,
    sources: Annotated[str | None, typer.Option(help="Folder of originals, matched to the inputs by relative "
                                                     "path (any extension).")] = None,
    source_format: Annotated[str | None, typer.Option(
        help=f"Format of the originals: {', '.join(READERS)} (default: detected).")] = None,
) -> None:
    """Check articles and write reports (exit 0: clean, 1: findings at --fail-on or above, 2: error)."""
    from checker.baseline import apply_baseline, load_baseline  # noqa: PLC0415 - the CLI imports a command's
    from checker.baseline import write_baseline as save_baseline  # noqa: PLC0415 - stack when it runs (a fast --help)
    from checker.runner import run_batch  # noqa: PLC0415

    cfg, settings = settings_or_fail(paths, config, threshold=threshold, max_bytes=max_bytes, threads=threads)
    formats = format or cfg.formats
    check_formats(formats)
    if input_format and input_format not in READERS:
        fail(f"unknown input format {input_format} (choose from {', '.join(sorted(READERS))})")
    if engine is not Engine.ray and (address or actors):
        fail("--address and --actors need --engine ray")
    if source_format and source_format not in READERS:
        fail(f"unknown source format {source_format} (choose from {', '.join(sorted(READERS))})")
    if source and not Path(source).is_file():
        fail(f"source {source}: {'is a folder: use --sources' if Path(source).is_dir() else 'no such file'}")
    originals = or_fail(Originals, source, sources, source_format)
    known = or_fail(load_baseline, baseline) if baseline else None
    backend = or_fail(open_backend, settings, models_factory(ctx), engine, address, actors, threads is not None,
                      quiet)
    try:
        with stop_on_signals() as stop:
            batch = or_fail(run_batch, backend, paths, formats, out, console=None if quiet else err_console,
                            input_format=input_format, include=include or cfg.include,
                            exclude=exclude or cfg.exclude, stop=stop, originals=originals,
                            before_write=(lambda r: apply_baseline(r, known)) if known is not None else None)
    finally:
        backend.close()
    if write_baseline and not batch.interrupted:
        n = or_fail(save_baseline, batch.reports, write_baseline)
        err_console.print(f"checker: wrote {n} finding(s) to baseline {write_baseline}", markup=False)
    _finish(batch, formats, fail_on.value if fail_on else cfg.fail_on, never=bool(write_baseline))


T = TypeVar("T")


def or_fail(fn: Callable[..., T], *args: Any, **kw: Any) -> T:
    """The call's result, or its CheckerError as one line and exit 2."""
    try:
        return fn(*args, **kw)
    except CheckerError as exc:
        fail(str(exc))
        raise  # unreachable: fail exits


def open_backend(settings: Settings, factory: ModelsFactory, engine: Engine, address: str | None,
                 actors: int | None, threads_given: bool, quiet: bool) -> Backend:
    """Where the checks run, with its models loaded: this process, or Ray actors (each loads its own)."""
    from checker.engine import load_engine  # noqa: PLC0415 - see `check`
    from checker.runner import LocalBackend  # noqa: PLC0415

    if engine is Engine.ray:
        from checker.cluster import RayBackend  # noqa: PLC0415 - Ray only for --engine ray

        with err_console.status("starting Ray workers (each loads the models)") if not quiet \
                else contextlib.nullcontext():
            return RayBackend(settings, address=address, actors=actors, threads_given=threads_given,
                              models_factory=factory).start()
    with err_console.status("loading models") if not quiet else contextlib.nullcontext():
        return LocalBackend(load_engine(settings, factory))


def _finish(batch, formats: list[str], level: str, never: bool = False) -> None:
    """Print stdout formats and failure lines, then exit with the documented code."""
    for r in [RENDERERS[f]() for f in formats if RENDERERS[f].to_stdout]:
        out_console.print(r.render_batch(batch.reports, batch.failures), end="", markup=r.markup)
    for failure in batch.failures:
        say_error(f"{failure.path}: {failure.error}")
    for note in getattr(batch, "notes", []):
        err_console.print(f"checker: {note}", markup=False, highlight=False)
    if batch.interrupted:
        done = len(batch.reports) + len(batch.failures)
        fail(f"interrupted by {batch.interrupted} after {done} of {batch.total} file(s); "
             "the batch reports cover those")
    if batch.failures:
        raise typer.Exit(EXIT_ERROR)
    reports = batch.reports
    if never or level == "never":
        raise typer.Exit(EXIT_OK)
    raise typer.Exit(EXIT_FINDINGS if any(r.fails(level) for r in reports) else EXIT_OK)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to bind; anything but loopback needs --token-file.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")] = 8080,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Checks that run at once (one shared model set).")] = 1,
    queue: Annotated[int, typer.Option(min=0, max=10_000, help="Checks that may wait; beyond that: 429.")] = 8,
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds a request may take, queueing included (504).")
                       ] = 120.0,
    token_file: Annotated[Path | None, typer.Option(help="File holding the Bearer token clients must send.")] = None,
    insecure_no_auth: Annotated[bool, typer.Option("--insecure-no-auth",
                                                   help="Allow a non-loopback bind without a token.")] = False,
    keep: Annotated[Path | None, typer.Option(help="Also write every report (JSON, HTML) to this folder.")] = None,
    max_bytes: Annotated[int, typer.Option(min=1, help="Refuse request bodies larger than this (413).")
                         ] = DEFAULT_MAX_BYTES,
    allow_host: Annotated[list[str] | None, typer.Option(
        help="A Host name clients may address besides loopback (a reverse proxy's public name); repeat it; * any."
    )] = None,
    allow_origin: Annotated[list[str] | None, typer.Option(
        help="A web origin whose pages may call the API, with CORS (e.g. the LanguageTool browser add-on's "
             "chrome-extension://ID, a CMS's https://cms.example); repeat it; * any.")] = None,
    threads: ThreadsOption = None,
    config: Annotated[Path | None, typer.Option(help="Config file (default: found upward from here).")] = None,
) -> None:
    """Serve the editors' web page, the HTTP API (POST /v1/check) and LanguageTool's API (POST /v2/check, for
    LibreOffice, the browser add-on, LTeX) on one loaded model set."""
    from checker.engine import load_engine  # noqa: PLC0415 - see `check`
    from checker.server import ServeOptions, is_loopback  # noqa: PLC0415
    from checker.server import serve as run_server  # noqa: PLC0415

    token = read_token(token_file) if token_file else None
    if not is_loopback(host) and token is None and not insecure_no_auth:
        fail(f"binding {host} exposes the service beyond this machine: give --token-file (or --insecure-no-auth)")
    cfg, settings = settings_or_fail([], config, max_bytes=max_bytes, threads=threads)
    options = ServeOptions(workers=workers, queue=queue, timeout=timeout, max_bytes=max_bytes, token=token,
                           keep=keep, fail_on=cfg.fail_on, bind=host, allow_hosts=tuple(allow_host or ()),
                           allow_origins=tuple(o.rstrip("/") for o in allow_origin or ()))
    factory = models_factory(ctx)
    try:
        run_server(lambda: load_engine(settings, factory, warm=False), host, port, options,
                   announce=lambda line: err_console.print(line, markup=False, highlight=False))
    except OSError as exc:
        fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}")


@app.command()
def render(
    reports: Annotated[list[str], typer.Argument(help="checker-report/1 JSON files written by `checker check`.")],
    format: FormatsOption = None,
    out: OutOption = Path("reports"),
    fail_on: Annotated[FailOn, typer.Option(help="Lowest severity that makes the exit code 1.")] = FailOn["error"],
) -> None:
    """Re-render saved JSON reports in other formats, without loading any model."""
    from checker.runner import render_batch  # noqa: PLC0415 - see `check`

    formats = format or ["html"]
    check_formats(formats)
    try:
        batch = render_batch(reports, formats, out)
    except CheckerError as exc:
        fail(str(exc))
    _finish(batch, formats, fail_on.value)


TOKEN_MAX = 4096  # bytes read from a token file: /dev/zero or a log file is no token


def read_token(path: Path) -> str:
    """The Bearer token: one line of 16+ characters from a regular file (a FIFO would hang the start, a device
    would fill memory); a file others can read is said in a line, as ssh does for keys."""
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            fail(f"token file {path} is not a regular file")
        with path.open("rb") as fh:
            raw = fh.read(TOKEN_MAX + 1)
    except OSError as exc:
        fail(f"cannot read token file {path}: {exc.strerror or exc}")
    if len(raw) > TOKEN_MAX:
        fail(f"token file {path} is longer than {TOKEN_MAX} bytes: not a token")
    try:
        lines = [line.strip() for line in raw.decode("utf-8").splitlines() if line.strip()]
    except UnicodeDecodeError:
        fail(f"token file {path} is not UTF-8 text")
    if len(lines) != 1:
        fail(f"token file {path} must hold the token on one line (it has {len(lines)})")
    token = lines[0]
    if len(token) < 16:
        fail(f"token in {path} is shorter than 16 characters")
    if st.st_mode & (stat.S_IRGRP | stat.S_IROTH):
        err_console.print(f"checker: warning: token file {path} is readable by other users (chmod 600 it)",
                          markup=False, highlight=False)
    return token


@app.command()
def init(path: Annotated[Path, typer.Argument(help="Where to write it.")] = Path(".checker.toml"),
         force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False) -> None:
    """Write a commented .checker.toml with every key and its default."""
    from checker.config import TEMPLATE  # noqa: PLC0415 - see `check`

    if path.is_symlink():  # dangling or not: writing would land wherever the link points
        fail(f"{path} is a link (to {os.readlink(path)}): not written; give the real path")
    if path.exists() and not force:
        fail(f"{path} exists (use --force to overwrite)")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(TEMPLATE)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    out_console.print(f"wrote {path}")


@models_app.callback()
def models_list(ctx: typer.Context) -> None:
    """List models: name, version, licence, path, sha256 and whether they are prepared."""
    if ctx.invoked_subcommand:
        return
    from checker.modelstore import installed  # noqa: PLC0415 - see `check`

    for m in installed():
        out_console.print(f"[bold]{m.name}[/] {m.version}  ({'prepared' if m.prepared else 'not prepared'})\n"
                          f"  licence: {m.licence}\n  path:    {m.path}\n  sha256:  {m.sha256 or '-'}")


@models_app.command("prepare")
def models_prepare() -> None:
    """Do the one-time work: assemble and verify the GGUF, convert it to a bf16 folder in the cache."""
    from checker.modelstore import ModelError, prepare_lm  # noqa: PLC0415 - see `check`

    try:
        with err_console.status("preparing the language model") as status:
            folder = prepare_lm(lambda msg: status.update(msg))
    except (ModelError, OSError) as exc:
        fail(f"cannot prepare the language model: {exc}")
    out_console.print(f"language model ready in {folder}")


@app.command("eval")
def evaluate(
    ctx: typer.Context,
    labels: Annotated[Path | None, typer.Option(help="TSV of labelled sentences (label<TAB>sentence, or "
                                                     "label<TAB>file<TAB>start<TAB>end).")] = None,
    article: Annotated[list[Path] | None, typer.Option(help="Article(s) the labelled sentences come from "
                                                            "(default: the file beside the labels).")] = None,
    target_fa: Annotated[float | None, typer.Option(min=0.0, max=1.0, help="Suggest a threshold for this "
                                                                           "false-alarm rate (e.g. 0.05).")] = None,
    config: Annotated[Path | None, typer.Option(help="Config file (default: found upward).")] = None,
    threshold: Annotated[float | None, typer.Option(min=0.0, max=1.0,
                                                    help="Garble probability for an error.")] = None,
    max_bytes: MaxBytesOption = DEFAULT_MAX_BYTES,
    threads: ThreadsOption = None,
) -> None:
    """Measure the garble score on your own labelled sentences: AUROC, AP, recall and false alarms at the
    configured thresholds, against sentence length as a baseline. (The project's dev sets: `make eval`.)"""
    from checker.engine import load_engine  # noqa: PLC0415 - see `check`
    from checker.evaluate import run_labels_eval  # noqa: PLC0415

    if labels is None:
        fail("give --labels FILE (TSV: label<TAB>sentence); the project's own dev sets run with `make eval`")
    _cfg, settings = settings_or_fail([str(labels)], config, threshold=threshold, max_bytes=max_bytes,
                                      threads=threads)
    try:
        with err_console.status("loading models"):
            engine = load_engine(settings, models_factory(ctx))
        for line in run_labels_eval(engine, labels, list(article or []), target_fa):
            out_console.print(line, markup=False, highlight=False)
    except CheckerError as exc:
        fail(str(exc))


@app.command()
def rules(markdown: Annotated[bool, typer.Option("--markdown", help="Print docs/RULES.md (Markdown) instead.")
                              ] = False) -> None:
    """List every rule id with its default severity, what it looks for and its options."""
    from checker.rules import INFOS  # noqa: PLC0415 - see `check`
    from checker.rules.base import rules_markdown  # noqa: PLC0415

    if markdown:
        out_console.print(rules_markdown(), end="", markup=False, highlight=False)
        return
    for rid, info in sorted(INFOS.items()):
        options = "".join(f"\n  option [bold]{o.name}[/] ({o.describe()}, default: {o.default}): {escape(o.help)}"
                          for o in info.options)
        out_console.print(f"[bold]{rid}[/]  {escape(info.label)}  (default: {info.default_severity})\n"
                          f"  {escape(info.summary)}\n  {escape(info.explanation)}{options}\n  see {info.link}\n",
                          markup=True, highlight=False)


def main(argv: list[str] | None = None, models_factory: ModelsFactory | None = None) -> None:
    """Entry point: usage errors, like every other error, are one line on stderr and exit 2."""
    try:  # typer ≥ 0.24 carries its own copy of click
        from typer._click import exceptions as click_exc  # noqa: PLC0415
    except ImportError:  # pragma: no cover - older typer on plain click
        from click import exceptions as click_exc  # noqa: PLC0415

    setup_process()  # beside one busy process the warm check takes < 2x its idle time, not 5x (cpu.py)
    try:
        code = app(args=argv, standalone_mode=False, obj=CliState(models_factory or default_models))
    except (typer.Exit, getattr(click_exc, "Exit", typer.Exit)) as exc:
        code = exc.exit_code
    except getattr(click_exc, "NoArgsIsHelpError", ()) as exc:
        out_console.print(exc.ctx.get_help() if exc.ctx else "", markup=False, highlight=False)
        code = EXIT_ERROR
    except click_exc.UsageError as exc:
        name = exc.ctx.command_path if exc.ctx else "checker"
        say_error(f"{exc.format_message()} (see `{name} --help`)".replace("\n", " "))
        code = EXIT_ERROR
    except click_exc.ClickException as exc:
        say_error(exc.format_message().replace("\n", " "))
        code = EXIT_ERROR
    except (typer.Abort, getattr(click_exc, "Abort", typer.Abort)):
        say_error("interrupted")
        code = EXIT_ERROR
    except KeyboardInterrupt:
        say_error("interrupted")
        code = EXIT_ERROR
    except BrokenPipeError:
        code = EXIT_ERROR  # stdout closed (`| head`): nothing left to say
    sys.exit(code if isinstance(code, int) else EXIT_OK)
