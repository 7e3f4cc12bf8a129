"""IPTC ninjs (JSON): body_html or body_text, with headline, located, versioncreated, byline."""

from __future__ import annotations

import json

from checker.errors import InputError
from checker.ingest.base import Document, TextBuilder, decode, register, sha256_bytes
from checker.ingest.html import html_document


@register("ninjs", label="ninjs", suffixes=(".json",), media_types=("application/json", "application/ninjs+json"),
          sniff=lambda head, _suffix: head.startswith(b"{"), order=10)
def read_ninjs(data: bytes, path: str) -> Document:
    source = decode(data)
    try:
        item = json.loads(source)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise InputError("JSON too deeply nested: not a ninjs item") from None
    except ValueError as exc:  # an integer past Python's digit limit (4,300 digits)
        raise InputError(f"malformed JSON: {str(exc).split(';')[0]}") from None
    if not isinstance(item, dict) or not ({"body_html", "body_text"} & set(item)):
        raise InputError("not a ninjs item (no body_html or body_text)")
    located = item.get("located")
    meta = {
        "headline": str(item.get("headline") or ""),
        "date": str(item.get("versioncreated") or item.get("firstcreated") or "")[:10],
        "dateline": located if isinstance(located, str) else "",
        "byline": str(item.get("byline") or ""),
        "source": str(item.get("copyrightholder") or ""),
    }
    meta = {k: v for k, v in meta.items() if v}
    digest = sha256_bytes(data)
    if item.get("body_html"):
        head = f"<h1>{_escape(meta['headline'])}</h1>" if meta.get("headline") else ""
        doc = html_document(head + str(item["body_html"]), path, digest, "ninjs", meta)
        # offsets must point into the JSON file, not the HTML string inside it
        b = TextBuilder(source)
        runs = []
        for tpos, _spos, length in doc.runs:
            piece = doc.text[tpos:tpos + length]
            at = b.locate(piece) if not piece.isspace() else None
            if at is not None:
                runs.append((tpos, at, length))
                b.cursor = at + length
        doc.source, doc.runs = source, runs
        return doc
    b = TextBuilder(source)
    if meta.get("headline"):
        b.add_text(meta["headline"])
        b.paragraph()
    for para in str(item["body_text"]).split("\n\n"):
        if para.strip():
            b.add_text(" ".join(para.split()))
            b.paragraph()
    return Document(b.text.rstrip("\n"), path, digest, "ninjs", meta, source, b.runs)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
