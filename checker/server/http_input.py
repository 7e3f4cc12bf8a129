"""HTTP input: what a request body is and how to read it, decided before any work is queued (bad requests
answer at once). Media types and suffixes come from the reader registry (`checker.ingest`)."""

from __future__ import annotations

import email.message
import email.parser
import email.policy
from pathlib import Path

from checker.ingest import GENERIC_XML, READERS, detect_format, format_for_media_type
from checker.limits import too_large
from checker.render.safe import printable
from checker.server.options import ApiError

MULTIPART_SLACK = 64 * 1024  # boundaries and part headers around an uploaded file
MAX_PARTS = 16  # an upload has one or two; 90,000 empty parts are a way to hold the parser, not an upload


def accepted_media_types() -> list[str]:
    """Every Content-Type the API reads an article from, as the readers declare them."""
    return [t for info in READERS.values() for t in info.media_types] + list(GENERIC_XML)


def media_type(value: str) -> tuple[str, dict[str, str]]:
    kind, _, rest = value.partition(";")
    params = {}
    for part in rest.split(";"):
        k, _, v = part.strip().partition("=")
        if k:
            params[k.lower()] = v.strip().strip('"')
    return kind.strip().lower(), params


FIELDS = ("file", "source")  # the article, and its original for a source-aware check


def parts_in(body: bytes, content_type: str) -> int:
    """How many parts a multipart body holds, counted by its boundary before anything is parsed."""
    boundary = media_type(content_type)[1].get("boundary", "")
    if not boundary:
        return 0
    delimiter = b"--" + boundary.encode("latin-1", "replace")
    return max(0, body.count(b"\n" + delimiter) + body.startswith(delimiter) - 1)


def _parsed(body: bytes, content_type: str) -> email.message.EmailMessage:
    """A multipart body as a message, parsed in memory (never spooled to disk)."""
    return email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n" + body)


def _multipart(body: bytes, content_type: str) -> dict[str, tuple[str, bytes]]:
    """The `file` part (and the `source` part, when sent) of a multipart/form-data body, parsed in memory (never
    spooled to disk), each as (file name, bytes)."""
    if parts_in(body, content_type) > MAX_PARTS:
        raise ApiError(400, f"multipart body with more than {MAX_PARTS} parts: send the article as 'file' (and "
                            "its original as 'source')")
    msg = _parsed(body, content_type)
    if not msg.is_multipart():
        raise ApiError(400, "malformed multipart body: no parts (send the article as the form field 'file')")
    parts: dict[str, tuple[str, bytes]] = {}
    for part in msg.iter_parts():
        field = part.get_param("name", header="content-disposition")
        if field in FIELDS and field not in parts:
            data = part.get_payload(decode=True) or b""
            name = part.get_filename() or ("upload" if field == "file" else "source")
            parts[field] = (Path(name.replace("\\", "/")).name or field, data)
    if "file" not in parts:
        raise ApiError(400, "multipart body without a 'file' field")
    return parts


def multipart_fields(body: bytes, content_type: str, limit: int) -> dict[str, str]:
    """Every field of a multipart/form-data body as text (LanguageTool clients that send a browser's FormData);
    more than `limit` fields is refused rather than parsed."""
    if parts_in(body, content_type) > limit:
        raise ValueError(f"more than {limit} fields")
    msg = _parsed(body, content_type)
    if not msg.is_multipart():
        raise ValueError("no parts")
    out: dict[str, str] = {}
    for part in msg.iter_parts():
        field = part.get_param("name", header="content-disposition")
        if isinstance(field, str) and field not in out:
            out[field] = (part.get_payload(decode=True) or b"").decode("utf-8")
    return out


CHARSETS = ("utf-8", "utf-16", "utf-16le", "utf-16be", "us-ascii", "iso-8859-1", "latin-1", "windows-1252")


def as_utf8(body: bytes, charset: str | None) -> bytes:
    """The body in UTF-8, decoded from the charset its Content-Type declares (a declared UTF-16 or Latin-1 body
    was read as UTF-8 before, then refused as binary or read wrongly)."""
    name = (charset or "utf-8").strip().lower()
    if name in ("utf-8", "utf8", "us-ascii", "ascii"):
        return body
    if name not in CHARSETS:
        raise ApiError(415, f"charset {printable(name)} is not supported: send UTF-8 (or {', '.join(CHARSETS[1:])})")
    try:
        return body.decode(name).removeprefix("\ufeff").encode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(422, f"the body is not valid {name} text, as its Content-Type says") from None


Named = tuple[str, bytes, str]  # name, bytes, input format


def document_from(body: bytes, content_type: str, fmt: str | None, max_bytes: int,
                  source_format: str | None = None) -> tuple[Named, Named | None]:
    """(name, bytes, input format) of a request body — a multipart upload's `file`, or the body itself when its
    Content-Type is one a reader declares (or generic XML, which the content decides) — and of the original
    article when a multipart body also carries a `source` field."""
    kind, params = media_type(content_type or "")
    named = format_for_media_type(kind)
    original: Named | None = None
    if kind == "multipart/form-data":
        parts = _multipart(body, content_type)
        name, data = parts["file"]
        if "source" in parts:
            sname, sdata = parts["source"]
            if len(sdata) > max_bytes:
                raise ApiError(413, "source: " + too_large(max_bytes, "the server's --max-bytes"))
            original = (sname, sdata, source_format or detect_format(sname, sdata))
    elif named or kind in GENERIC_XML:
        suffixes = READERS[named].suffixes if named else ()
        name, data = "request" + (suffixes[0] if suffixes else ".xml"), as_utf8(body, params.get("charset"))
    elif not kind:
        raise ApiError(415, f"no Content-Type: send {', '.join(accepted_media_types())} or multipart/form-data "
                            "with a 'file'")
    else:
        raise ApiError(415, f"unsupported Content-Type {printable(kind)}: send {', '.join(accepted_media_types())} "
                            "or multipart/form-data")
    if len(data) > max_bytes:
        raise ApiError(413, too_large(max_bytes, "the server's --max-bytes"))
    chosen = fmt or (named if kind != "multipart/form-data" else None) or detect_format(name, data)
    return (name, data, chosen), original
