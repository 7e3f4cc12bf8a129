"""HTML articles: body paragraphs and headings; scripts, styles and navigation dropped."""

from __future__ import annotations

from lxml import etree, html

from checker.errors import InputError
from checker.ingest.base import Document, TextBuilder, decode, looks_like_xml, register, sha256_bytes
from checker.ingest.markup import Walker


def html_document(source: str, path: str, digest: str, fmt: str = "html",
                  metadata: dict[str, str] | None = None) -> Document:
    try:
        root = html.fromstring(source, parser=html.HTMLParser(remove_comments=False, no_network=True))
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"malformed HTML: {exc}") from None
    meta = dict(metadata or {})
    title = root.find(".//title")
    if title is not None and title.text and "headline" not in meta:
        meta["headline"] = " ".join(title.text.split())
    body = root.find(".//body")
    main = root.find(".//article") if root.find(".//article") is not None else (body if body is not None else root)
    builder = TextBuilder(source)
    walker = Walker(builder)
    walker.walk(main) if len(main) else walker.block(main)
    text = builder.text.rstrip("\n")
    if not text.strip():
        raise InputError("no article text found in the HTML")
    return Document(text, path, digest, fmt, meta, source, builder.runs, walker.suppressions)


def looks_like_html(head: bytes, suffix: str) -> bool:
    """After NITF and NewsML-G2 had their say, any other XML is read as XHTML."""
    return (looks_like_xml(head, suffix) or head.startswith((b"<!doctype html", b"<html")) or b"<p>" in head
            or b"<body" in head)


@register("html", label="HTML", suffixes=(".html", ".htm"), media_types=("text/html", "application/xhtml+xml"),
          sniff=looks_like_html, order=40)
def read_html(data: bytes, path: str) -> Document:
    return html_document(decode(data), path, sha256_bytes(data))
