"""Wire text and file names are untrusted: what each output needs so that they stay inert there."""

from __future__ import annotations

import re
from urllib.parse import quote

# C0/C1 controls, and lone surrogates (undecodable bytes of a file name, kept by Python's surrogateescape)
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_OR_BREAK = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
XML_INVALID = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def printable(s: str, keep_newlines: bool = False) -> str:
    """Control characters (terminal escapes, BEL, NUL…) shown as `\\x1b`, never sent to a terminal or a log."""
    pattern = CONTROL if keep_newlines else CONTROL_OR_BREAK
    return pattern.sub(_show, s)


def _show(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\x{code:02x}" if code < 0x100 \
        else f"\\u{code:04x}"


def xml_text(s: str) -> str:
    """Characters XML 1.0 cannot hold (NUL, most C0 controls, lone surrogates) become U+FFFD."""
    return XML_INVALID.sub("\ufffd", s)


def href(relative_path: str) -> str:
    """A relative link to a report: percent-encoded, and never a scheme (`javascript:x.html` stays a path)."""
    return "./" + quote(relative_path.lstrip("/"), safe="/")


def file_uri(path: str) -> str:
    """A SARIF artifact URI: a percent-encoded relative reference (RFC 3986)."""
    return quote(path, safe="/")
