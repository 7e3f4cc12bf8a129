"""What every reader shares: the `Document` it returns, a `TextBuilder` that keeps offsets into the source,
`decode`, and the registry in which each reader declares its name, label, file suffixes, media types and how to
recognise its content. `checker.ingest` (detection, reading paths), the server and the web page read the registry;
a new input format is one module that calls `register` and one import in `checker/ingest/__init__.py`.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from checker import offsets
from checker.errors import InputError

SURROGATE = re.compile("[\ud800-\udfff]")
# media types that say "XML" without saying which vocabulary: the content decides (NITF, NewsML-G2, XHTML)
GENERIC_XML = ("application/xml", "text/xml")


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
        return pos if self.source is None else offsets.source_offset(self.runs, pos)

    def line_col(self, pos: int) -> tuple[int, int]:
        """1-based line and column in the original file."""
        return offsets.line_col(self.text, self.source, self.runs, pos)


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
Sniff = Callable[[bytes, str], bool]  # (lower-cased head of the bytes, lower-cased suffix) → this format?


@dataclass(frozen=True)
class ReaderInfo:
    """One input format as the CLI, the server and the web page describe it."""

    name: str
    label: str  # what an editor calls it ("NewsML-G2")
    read: Reader
    suffixes: tuple[str, ...] = ()  # file suffixes that name it outright (lower case, with the dot)
    media_types: tuple[str, ...] = ()  # Content-Types that name it outright
    sniff: Sniff | None = None  # recognise it from the content, when the suffix does not say
    order: int = 50  # sniffers run in this order; the first that says yes wins


READERS: dict[str, ReaderInfo] = {}


def register(name: str, *, label: str, suffixes: tuple[str, ...] = (), media_types: tuple[str, ...] = (),
             sniff: Sniff | None = None, order: int = 50) -> Callable[[Reader], Reader]:
    """Declare a reader; a suffix or media type claimed twice is a programming error, refused at import."""
    def deco(fn: Reader) -> Reader:
        if name in READERS:
            raise ValueError(f"input format {name} registered twice")
        for other in READERS.values():
            clash = set(other.suffixes) & set(suffixes) or set(other.media_types) & set(media_types)
            if clash:
                raise ValueError(f"input formats {other.name} and {name} both claim {', '.join(sorted(clash))}")
        READERS[name] = ReaderInfo(name, label, fn, tuple(suffixes), tuple(media_types), sniff, order)
        return fn

    return deco


def looks_like_xml(head: bytes, suffix: str) -> bool:
    """An XML declaration, a .xml file, or a NITF root: one of the XML vocabularies decides which."""
    return head.startswith((b"<?xml", b"<!doctype nitf")) or suffix == ".xml" or b"<nitf" in head


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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
