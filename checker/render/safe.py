"""Wire text and file names are untrusted: what each output needs so that they stay inert there."""

from __future__ import annotations

import re
from urllib.parse import quote

# C0/C1 controls, lone surrogates (undecodable bytes of a file name, kept by Python's surrogateescape), and the
# bidirectional controls that would reorder what follows them on a line ("(garble score 0.94)" → ".(49.0 …")
BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff{BIDI}]")
CONTROL_OR_BREAK = re.compile(f"[\x00-\x1f\x7f-\x9f\ud800-\udfff{BIDI}]")
BIDI_CONTROL = re.compile(f"[{BIDI}]")
XML_INVALID = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def printable(s: str, keep_newlines: bool = False) -> str:
    """Control characters (terminal escapes, BEL, NUL…) shown as `\\x1b`, bidirectional controls as `\\u202e`,
    never sent to a terminal or a log."""
    pattern = CONTROL if keep_newlines else CONTROL_OR_BREAK
    return pattern.sub(_show, s)


def _show(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\x{code:02x}" if code < 0x100 \
        else f"\\u{code:04x}"


def xml_text(s: str) -> str:
    """Characters XML 1.0 cannot hold (NUL, most C0 controls, lone surrogates) become U+FFFD; bidirectional
    controls are shown (`\u202e`), so a CI page shows the message in the order it was written."""
    return BIDI_CONTROL.sub(_show, XML_INVALID.sub("\ufffd", s))


def href(relative_path: str) -> str:
    """A relative link to a report: percent-encoded, and never a scheme (`javascript:x.html` stays a path)."""
    return "./" + quote(relative_path.lstrip("/"), safe="/")


def file_uri(path: str) -> str:
    """A SARIF artifact URI: a percent-encoded relative reference (RFC 3986)."""
    return quote(path, safe="/")
