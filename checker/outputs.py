"""Where reports go and how they are written: never torn, never overwriting each other.

- Report paths come from the inputs' names: a file's name, or its path below the folder it was found in
  (`a/same.txt` → `a/same.html`, `b/same.txt` → `b/same.html`); names that still collide take in the folders
  above them; two inputs that differ only in extension (`x.txt`, `x.md`), or an input named like a batch file
  (`index.txt` beside `index.html`), keep their full file name (`x.txt.html`).
- Every file is written to a temporary file in the same folder and renamed into place: a full disk or a
  killed run leaves the previous file or none, never half a report.
- One run at a time writes an output folder: a second run waits for the first (a lock on the folder itself,
  so nothing is left behind in it).
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
from checker.render import RENDERERS, batch_names


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


def report_stems(named: list[tuple[str, str]]) -> dict[str, str]:
    """Input path → report path without extension, relative to the output folder (posix separators).

    `named` pairs each input with its name: its path below the folder it was found in, or its file name. Names
    that still collide take in the folders above them, as few as make them unique (`a/same`, `b/same`); files
    that differ only in extension, and names the batch files use, keep the extension (`x.txt`, `index.txt`)."""
    reserved = batch_names()  # index.html and checker.sarif/.jsonl/.junit.xml belong to the batch
    names = {p: "/".join(safe_part(part) for part in rel.split("/")) for p, rel in named}
    by_stem: dict[str, list[str]] = {}
    for p, rel in names.items():
        by_stem.setdefault(_strip_ext(rel), []).append(p)
    out: dict[str, str] = {}
    for stem, owners in by_stem.items():
        if len(owners) == 1:
            out[owners[0]] = names[owners[0]] if stem in reserved else stem
            continue
        out.update(_disambiguate(owners, names))
    return out


def _strip_ext(rel: str) -> str:
    head, _, last = rel.rpartition("/")
    base = last.rsplit(".", 1)[0] if "." in last.lstrip(".") else last
    return f"{head}/{base}" if head else base


def _disambiguate(owners: list[str], names: dict[str, str]) -> dict[str, str]:
    """Widen each name with the folders above it until the names differ; else keep the extensions."""
    paths = {p: [safe_part(x) for x in Path(os.path.abspath(p)).parts] if p != "-" else ["stdin"] for p in owners}
    least = max(len(names[p].split("/")) for p in owners)
    longest = max(len(v) for v in paths.values())
    for k in range(least, longest + 1):
        cand = {p: _strip_ext("/".join(parts[-k:])) for p, parts in paths.items()}
        if len(set(cand.values())) == len(cand):
            return cand
    return {p: names[p] for p in owners}


def safe_part(part: str) -> str:
    """A path part that is safe as a file name: no separators, no leading dot (hidden) or dash."""
    part = part.replace("\x00", "").replace("/", "_").replace("\\", "_")
    if part in ("", ".", ".."):
        return "_"
    return "_" + part if part[0] in ".-" else part


def write_report(report: Report, formats: list[str], out: Path) -> None:
    base = out.resolve()
    for fmt in formats:
        r = RENDERERS[fmt]()
        if r.to_stdout or r.batch:
            continue
        target = out / f"{report.stem}.{r.extension}"
        if not target.resolve().is_relative_to(base):  # a link or a name pointing out of the folder
            raise OSError(f"{report.stem}.{r.extension} would be written outside {out}")
        write_atomic(target, r.render(report))


def write_batch(reports: list[Report], failures: list[FailedInput], formats: list[str], out: Path) -> None:
    try:
        for fmt in formats:
            r = RENDERERS[fmt]()
            if r.batch_name and not r.to_stdout:
                write_atomic(out / r.batch_name, r.render_batch(reports, failures))
    except OSError as exc:
        raise CheckerError(f"cannot write batch reports in {out}: {exc.strerror or exc}") from None


def prepare_folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        if out.is_symlink() and not out.exists():
            raise CheckerError(f"cannot use {out} as the output folder: a link to {os.readlink(out)}, which does "
                               "not exist") from None
        raise CheckerError(f"cannot use {out} as the output folder: it is a file") from None
    except OSError as exc:
        raise CheckerError(f"cannot create output folder {out}: {exc.strerror or exc}") from None
    if not out.is_dir():
        raise CheckerError(f"cannot use {out} as the output folder: not a folder")
    if not os.access(out, os.W_OK | os.X_OK):
        raise CheckerError(f"cannot write to output folder {out}: permission denied")


@contextlib.contextmanager
def run_lock(out: Path, on_wait=None) -> Iterator[None]:
    """Hold the output folder for this run; a concurrent run on the same folder waits its turn. The lock is on
    the folder's own descriptor: no lock file is left among the user's reports."""
    try:
        fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        yield  # a folder we cannot open (a share without read access): writing will say what is wrong
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            pass  # a file system without locks: one run at a time is then the user's to keep
        yield
    finally:
        os.close(fd)
