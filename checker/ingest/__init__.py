"""Ingest: turn a file or stdin into a `Document` (plain text plus where it came from).

Readers register in `checker.ingest.base` with their suffixes, media types and a sniff; `detect_format` and
`read_path` pick one, and the server and the web page read the same registry. Offsets in every later stage
index `Document.text`, the decoded original.
"""

from __future__ import annotations

import fnmatch
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

from checker.errors import InputError
from checker.ingest import html as _html  # registration: one import per reader module
from checker.ingest import markdown as _markdown
from checker.ingest import ninjs as _ninjs
from checker.ingest import text as _text
from checker.ingest import xml as _xml
from checker.ingest.base import (
    GENERIC_XML,
    READERS,
    SURROGATE,
    Document,
    ReaderInfo,
    Suppression,
    TextBuilder,
    decode,
    looks_like_xml,
    register,
    sha256_bytes,
)
from checker.limits import DEFAULT_MAX_BYTES, too_large

__all__ = ["DEFAULT_FORMAT", "DEFAULT_MAX_BYTES", "GENERIC_XML", "READERS", "Document", "ReaderInfo", "Suppression",
           "TextBuilder", "decode", "detect_format", "expand_paths", "expand_with_names", "format_for_media_type",
           "looks_like_xml", "read_bytes", "read_document", "read_path", "register", "sha256_bytes", "suffixes"]
_READER_MODULES = (_html, _markdown, _ninjs, _text, _xml)
DEFAULT_FORMAT = "text"  # what content no sniff recognises is read as


def suffixes() -> list[str]:
    """Every suffix a folder contributes (sorted): those readers claim, and .xml, which the content decides."""
    return sorted({s for info in READERS.values() for s in info.suffixes} | {".xml"})


def format_for_media_type(media_type: str) -> str | None:
    """The reader a Content-Type names outright; None when the content must decide (generic XML, unknown)."""
    return next((info.name for info in READERS.values() if media_type in info.media_types), None)


def detect_format(path: str, data: bytes) -> str:
    """From the suffix first, then from the content (each reader's sniff, in order), else plain text."""
    suffix = Path(path).suffix.lower() if path != "-" else ""
    for info in READERS.values():
        if suffix in info.suffixes:
            return info.name
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    for info in sorted(READERS.values(), key=lambda i: i.order):
        if info.sniff and info.sniff(head, suffix):
            return info.name
    return DEFAULT_FORMAT


def read_bytes(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    if path == "-":
        data = sys.stdin.buffer.read(max_bytes + 1)
    else:
        p = Path(path)
        try:
            st = p.stat()
        except FileNotFoundError:
            raise InputError("no such file") from None
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}") from None
        if stat.S_ISDIR(st.st_mode):
            raise InputError("is a directory with no article files (" + ", ".join(suffixes()) + ")")
        if not stat.S_ISREG(st.st_mode):
            raise InputError("not a regular file (a device, FIFO or socket): refused")
        try:
            if st.st_size > max_bytes:
                raise InputError(too_large(max_bytes, "--max-bytes", st.st_size))
            with p.open("rb") as fh:
                data = fh.read(max_bytes + 1)  # the file may grow after stat: never read more than the limit
        except PermissionError:
            raise InputError("permission denied") from None
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise InputError(too_large(max_bytes, "--max-bytes"))
    return data


def read_path(path: str, fmt: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    return read_document(path, read_bytes(path, max_bytes), fmt)


def read_document(path: str, data: bytes, fmt: str | None = None) -> Document:
    """Bytes already read (here, by a server, or by a cluster driver) into a document, named by `path`."""
    name = fmt or detect_format(path, data)
    if name not in READERS:
        raise InputError(f"unknown input format {name!r} (choose from {', '.join(sorted(READERS))})")
    doc = READERS[name].read(data, path)
    bad = SURROGATE.search(doc.text)  # only an escape can make one ("\ud800" in JSON): UTF-8 bytes cannot
    if bad:
        raise InputError(f"invalid text: an unpaired surrogate (U+{ord(bad.group()):04X}) at character {bad.start()} "
                         "is not a Unicode character")
    return doc


def expand_paths(paths: list[str], include: list[str] | None = None,
                 exclude: list[str] | None = None) -> Iterator[str]:
    """Files as given; folders walked for article files in a stable order, filtered by glob patterns."""
    for path, _rel in expand_with_names(paths, include, exclude):
        yield path


def walk_folder(folder: Path, refused: dict[str, str]) -> list[Path]:
    """Every file below a folder, sorted; links are never followed out of it. A folder that cannot be read and a
    link that leaves the tree go into `refused` (path → one line), so a CI gate never passes over them in silence."""
    root = folder.resolve()
    files: list[Path] = []

    def unreadable(err: OSError) -> None:
        refused[str(err.filename or folder)] = f"cannot read folder: {err.strerror or err}"

    for dirpath, dirnames, filenames in os.walk(folder, onerror=unreadable, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(n for n in dirnames if not n.startswith("."))
        for name in dirnames:
            if (here / name).is_symlink() and not (here / name).resolve().is_relative_to(root):
                refused[str(here / name)] = "a link to a folder outside the checked folder: not followed"
        dirnames[:] = [n for n in dirnames if not (here / n).is_symlink()]
        files += [here / n for n in filenames]
    return sorted(files)


def expand_with_names(paths: list[str], include: list[str] | None = None,
                      exclude: list[str] | None = None,
                      refused: dict[str, str] | None = None) -> Iterator[tuple[str, str]]:
    """(file, name) pairs: a file given is named by its file name, a file found in a folder by its path below
    that folder (posix). Report paths are built from these names. What a folder holds but cannot be checked (an
    unreadable folder, a link leaving the tree) is put in `refused` with its reason."""
    known = set(suffixes())
    refused = refused if refused is not None else {}
    for path in paths:
        p = Path(path)
        if path != "-" and p.is_dir():
            found = []
            before = len(refused)
            root = p.resolve()
            for f in walk_folder(p, refused):
                rel = f.relative_to(p).as_posix()
                if any(part.startswith(".") for part in f.relative_to(p).parts):
                    continue
                if include and not any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(f.name, g) for g in include):
                    continue
                if not include and f.suffix.lower() not in known:
                    continue
                if exclude and any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(f.name, g) for g in exclude):
                    continue
                if f.is_symlink() and not f.resolve().is_relative_to(root):
                    refused[str(f)] = "a link to a file outside the checked folder: not followed"
                    continue
                if not f.is_file():
                    continue
                found.append((str(f), rel))
            if not found and len(refused) == before:
                yield path, p.name or path  # reported as an error for that path
            yield from found
        else:
            yield path, "stdin" if path == "-" else p.name
