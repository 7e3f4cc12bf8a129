"""Where reports go and how they are written: never torn, never overwriting each other.

- Report paths mirror the inputs' paths below their common folder (`a/same.txt` → `a/same.html`,
  `b/same.txt` → `b/same.html`); two inputs that would still share a name (`x.txt` and `x.md`), or an input
  named like a batch file (`index.txt` beside `index.html`), keep their full file name (`x.txt.html`).
- Every file is written to a temporary file in the same folder and renamed into place: a full disk or a
  killed run leaves the previous file or none, never half a report.
- One run at a time writes an output folder: a second run waits for the first (a lock file in the folder).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from checker.errors import CheckerError
from checker.findings import FailedInput, Report

RESERVED = {"index", "checker"}  # index.html and checker.sarif/.jsonl/.junit.xml belong to the batch
LOCK_NAME = ".checker.lock"


def write_atomic(path: Path, text: str) -> None:
    """Write through a temporary sibling and rename: readers see the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as fh:  # undecodable file-name bytes
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _parts(path: str) -> tuple[str, ...]:
    return Path(os.path.abspath(path)).parts


def report_stems(inputs: list[str]) -> dict[str, str]:
    """Input path → report path without extension, relative to the output folder (posix separators)."""
    files = [p for p in inputs if p != "-" and os.path.isfile(p)]  # devices, FIFOs, missing paths fail anyway
    root: tuple[str, ...] = ()
    if files:
        parents = [_parts(p)[:-1] for p in files]
        root = parents[0]
        for par in parents[1:]:
            n = 0
            while n < min(len(root), len(par)) and root[n] == par[n]:
                n += 1
            root = root[:n]
    out: dict[str, str] = {}
    for p in inputs:
        if p == "-":
            rel = ["stdin"]
        else:
            parts = _parts(p)
            rel = [_safe(part) for part in (parts[len(root):] if parts[:len(root)] == root else parts[-1:])]
        out[p] = "/".join(rel)
    taken: dict[str, list[str]] = {}
    for p, rel in out.items():
        stem = rel.rsplit(".", 1)[0] if "." in rel.rsplit("/", 1)[-1] else rel
        taken.setdefault(stem, []).append(p)
    final: dict[str, str] = {}
    for stem, owners in taken.items():
        clash = len(owners) > 1 or stem in RESERVED
        for p in owners:
            final[p] = out[p] if clash else stem
    return final


def _safe(part: str) -> str:
    """A path part that is safe as a file name: no separators, no leading dot (hidden) or dash."""
    part = part.replace("\x00", "").replace("/", "_").replace("\\", "_")
    if part in ("", ".", ".."):
        return "_"
    return "_" + part if part[0] in ".-" else part


def write_report(report: Report, formats: list[str], out: Path) -> None:
    from checker.render import RENDERERS

    for fmt in formats:
        r = RENDERERS[fmt]()
        if r.to_stdout or r.batch:
            continue
        write_atomic(out / f"{report.stem}.{r.extension}", r.render(report))


def write_batch(reports: list[Report], failures: list[FailedInput], formats: list[str], out: Path) -> None:
    from checker.render import RENDERERS

    try:
        for fmt in formats:
            r = RENDERERS[fmt]()
            if fmt == "html":
                write_atomic(out / "index.html", r.render_batch(reports, failures))
            elif r.batch and not r.to_stdout and r.extension:
                write_atomic(out / f"checker.{r.extension}", r.render_batch(reports, failures))
    except OSError as exc:
        raise CheckerError(f"cannot write batch reports in {out}: {exc.strerror or exc}") from None


def prepare_folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise CheckerError(f"cannot use {out} as the output folder: it is a file") from None
    except OSError as exc:
        raise CheckerError(f"cannot create output folder {out}: {exc.strerror or exc}") from None
    if not out.is_dir():
        raise CheckerError(f"cannot use {out} as the output folder: not a folder")
    if not os.access(out, os.W_OK | os.X_OK):
        raise CheckerError(f"cannot write to output folder {out}: permission denied")


@contextlib.contextmanager
def run_lock(out: Path, on_wait=None) -> Iterator[None]:
    """Hold the output folder for this run; a concurrent run on the same folder waits its turn."""
    try:
        fh = open(out / LOCK_NAME, "a+")
    except OSError:
        yield  # a folder we cannot lock (read-only share): writing will say what is wrong
        return
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(fh, fcntl.LOCK_EX)
        yield
    finally:
        fh.close()
