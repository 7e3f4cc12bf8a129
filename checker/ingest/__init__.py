"""Ingest: turn a file or stdin into a `Document` (plain text plus where it came from).

Readers register by format name; `read_path` picks one. Offsets in every later stage index
`Document.text`, the decoded original.
"""

from __future__ import annotations

import codecs
import fnmatch
import hashlib
import re
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from checker.errors import InputError

DEFAULT_MAX_BYTES = 1_000_000
SURROGATE = re.compile("[\ud800-\udfff]")
TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xml", ".nitf", ".json"}


@dataclass
class Document:
    """`text` is what every later stage reads; `source` is the decoded file when it differs (markup)."""

    text: str
    path: str
    sha256: str
    format: str = "text"
    metadata: dict[str, str] = field(default_factory=dict)
    source: str | None = None
    runs: list[tuple[int, int, int]] = field(default_factory=list)  # (text_pos, source_pos, length)
    suppressions: list[Suppression] = field(default_factory=list)

    def source_offset(self, pos: int) -> int:
        """Map an offset in `text` back into the original file's text."""
        if self.source is None:
            return pos
        best = 0
        for tpos, spos, length in self.runs:
            if tpos <= pos < tpos + max(length, 1):
                return spos + (pos - tpos)
            if tpos <= pos:
                best = spos + length
        return best

    def line_col(self, pos: int) -> tuple[int, int]:
        """1-based line and column in the original file."""
        src = self.source if self.source is not None else self.text
        off = self.source_offset(pos)
        line = src.count("\n", 0, off) + 1
        return line, off - (src.rfind("\n", 0, off) + 1) + 1


@dataclass
class Suppression:
    """Text range [start, end) in which `rules` (empty: all) are silenced, with the author's reason."""

    start: int
    end: int
    rules: tuple[str, ...] = ()
    reason: str = ""

    def covers(self, rule: str, pos: int) -> bool:
        return self.start <= pos < self.end and (not self.rules or rule in self.rules)


class TextBuilder:
    """Collects article text piece by piece, remembering where each piece came from in the source."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.parts: list[str] = []
        self.runs: list[tuple[int, int, int]] = []
        self.length = 0
        self.cursor = 0

    def locate(self, piece: str, hint: int | None = None) -> int | None:
        """Find the piece in the source from the cursor on (markup keeps text in order)."""
        start = self.cursor if hint is None else hint
        pos = self.source.find(piece, start)
        return None if pos < 0 else pos

    def add(self, piece: str, src: int | None = -1) -> None:
        """Append a piece; src -1 finds it in the source, None leaves it unmapped (joining whitespace)."""
        if not piece:
            return
        if src == -1:
            src = self.locate(piece)
        if src is not None:
            self.runs.append((self.length, src, len(piece)))
            self.cursor = src + len(piece)
        self.parts.append(piece)
        self.length += len(piece)

    def add_text(self, text: str) -> None:
        """Add text that may be escaped in the source: map word by word where the exact form is missing."""
        if self.locate(text) is not None:
            self.add(text)
            return
        for m in re.finditer(r"\S+|\s+", text):
            self.add(m.group(), self.locate(m.group()) if not m.group().isspace() else None)

    def paragraph(self) -> None:
        """End the current block: a blank line, which the segmenter reads as a paragraph break."""
        if self.parts and not self.parts[-1].endswith("\n\n"):
            self.parts.append("\n\n")
            self.length += 2

    @property
    def text(self) -> str:
        return "".join(self.parts)


Reader = Callable[[bytes, str], Document]
READERS: dict[str, Reader] = {}


def register(name: str) -> Callable[[Reader], Reader]:
    def deco(fn: Reader) -> Reader:
        READERS[name] = fn
        return fn

    return deco


def decode(data: bytes) -> str:
    """UTF-8 (BOM stripped), or UTF-16 with a BOM; refusing binary data with a clear reason."""
    if not data.strip():
        raise InputError("empty input: nothing to check")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError("not valid UTF-16 text (it starts with a UTF-16 byte-order mark)") from None
        if not text.strip():
            raise InputError("empty input: nothing to check")
        return text
    if b"\x00" in data[:8192]:
        raise InputError("binary file (NUL bytes): not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text: invalid byte 0x{data[exc.start]:02x} at offset {exc.start}") from None
    return text.removeprefix("\ufeff")


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
            raise InputError("is a directory with no article files (" + ", ".join(sorted(TEXT_SUFFIXES)) + ")")
        if not stat.S_ISREG(st.st_mode):
            raise InputError("not a regular file (a device, FIFO or socket): refused")
        try:
            if st.st_size > max_bytes:
                raise InputError(f"too large: {st.st_size / 1e6:.1f} MB > {max_bytes / 1e6:.1f} MB limit (--max-bytes)")
            with p.open("rb") as fh:
                data = fh.read(max_bytes + 1)  # the file may grow after stat: never read more than the limit
        except PermissionError:
            raise InputError("permission denied") from None
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise InputError(f"too large: more than {max_bytes / 1e6:.1f} MB (--max-bytes)")
    return data


def detect_format(path: str, data: bytes) -> str:
    """From the extension first, then from the content."""
    suffix = Path(path).suffix.lower() if path != "-" else ""
    by_ext = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".nitf": "nitf",
              ".json": "ninjs", ".txt": "text", ".text": "text"}
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if suffix in by_ext and suffix != ".xml":
        return by_ext[suffix]
    if head.startswith(b"{"):
        return "ninjs"
    if head.startswith(b"<?xml") or suffix == ".xml" or head.startswith(b"<!doctype nitf") or b"<nitf" in head:
        if b"<nitf" in head:
            return "nitf"
        if b"newsitem" in head or b"newsml" in head:
            return "newsml"
        return "nitf" if b"<body" in head and b"<html" not in head else "html"
    if head.startswith((b"<!doctype html", b"<html")) or b"<p>" in head or b"<body" in head:
        return "html"
    return "text"


def read_path(path: str, fmt: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    return read_document(path, read_bytes(path, max_bytes), fmt)


def read_document(path: str, data: bytes, fmt: str | None = None) -> Document:
    """Bytes already read (here, by a server, or by a cluster driver) into a document, named by `path`."""
    name = fmt or detect_format(path, data)
    if name not in READERS:
        raise InputError(f"unknown input format {name!r} (choose from {', '.join(sorted(READERS))})")
    doc = READERS[name](data, path)
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


def expand_with_names(paths: list[str], include: list[str] | None = None,
                      exclude: list[str] | None = None) -> Iterator[tuple[str, str]]:
    """(file, name) pairs: a file given is named by its file name, a file found in a folder by its path below
    that folder (posix). Report paths are built from these names."""
    for path in paths:
        p = Path(path)
        if path != "-" and p.is_dir():
            found = []
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).as_posix()
                if not f.is_file() or any(part.startswith(".") for part in f.relative_to(p).parts):
                    continue
                if include and not any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(f.name, g) for g in include):
                    continue
                if not include and f.suffix.lower() not in TEXT_SUFFIXES:
                    continue
                if exclude and any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(f.name, g) for g in exclude):
                    continue
                found.append((str(f), rel))
            if not found:
                yield path, p.name or path  # reported as an error for that path
            yield from found
        else:
            yield path, "stdin" if path == "-" else p.name


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


from checker.ingest import html as _html  # noqa: E402,F401
from checker.ingest import markdown as _markdown  # noqa: E402,F401
from checker.ingest import ninjs as _ninjs  # noqa: E402,F401
from checker.ingest import text as _text  # noqa: E402,F401
from checker.ingest import xml as _xml  # noqa: E402,F401
