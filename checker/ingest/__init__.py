"""Ingest: turn a file or stdin into a `Document` (plain text plus where it came from).

Readers register by format name; `read_path` picks one. Offsets in every later stage index
`Document.text`, the decoded original.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from checker.errors import InputError

DEFAULT_MAX_BYTES = 1_000_000
TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xml", ".nitf", ".json"}


@dataclass
class Document:
    text: str
    path: str
    sha256: str
    format: str = "text"
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def stem(self) -> str:
        name = Path(self.path).name if self.path != "-" else "stdin"
        return name.rsplit(".", 1)[0] if "." in name else name


Reader = Callable[[bytes, str], Document]
READERS: dict[str, Reader] = {}


def register(name: str) -> Callable[[Reader], Reader]:
    def deco(fn: Reader) -> Reader:
        READERS[name] = fn
        return fn

    return deco


def decode(data: bytes) -> str:
    """UTF-8 (BOM stripped), refusing binary data with a clear reason."""
    if not data.strip():
        raise InputError("empty input: nothing to check")
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
        if not p.exists():
            raise InputError("no such file")
        if p.is_dir():
            raise InputError("is a directory with no article files (" + ", ".join(sorted(TEXT_SUFFIXES)) + ")")
        try:
            size = p.stat().st_size
            if size > max_bytes:
                raise InputError(f"too large: {size / 1e6:.1f} MB > {max_bytes / 1e6:.1f} MB limit (--max-bytes)")
            data = p.read_bytes()
        except PermissionError:
            raise InputError("permission denied") from None
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise InputError(f"too large: more than {max_bytes / 1e6:.1f} MB (--max-bytes)")
    return data


def read_path(path: str, fmt: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    data = read_bytes(path, max_bytes)
    reader = READERS[fmt or "text"]
    return reader(data, path)


def expand_paths(paths: list[str]) -> Iterator[str]:
    """Files as given; folders walked for article files in a stable order."""
    for path in paths:
        p = Path(path)
        if path != "-" and p.is_dir():
            found = sorted(str(f) for f in p.rglob("*") if f.is_file() and f.suffix.lower() in TEXT_SUFFIXES
                           and not any(part.startswith(".") for part in f.relative_to(p).parts))
            if not found:
                yield path  # reported as an error for that path
            yield from found
        else:
            yield path


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


from checker.ingest import text as _text  # noqa: E402,F401  (registers the plain-text reader)
