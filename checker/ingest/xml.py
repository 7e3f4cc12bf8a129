"""IPTC NITF 3.x and NewsML-G2 news items. XML is untrusted: no DTDs' entities, no network, no huge trees."""

from __future__ import annotations

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml import ElementTree as SafeET
from lxml import etree

from checker.errors import InputError
from checker.ingest.base import Document, TextBuilder, decode, looks_like_xml, register, sha256_bytes
from checker.ingest.markup import Walker, local, visible_text

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                         remove_comments=False)


def parse_xml(source: str) -> etree._Element:
    """Refuse entity tricks first (billion laughs, external entities), then parse for real."""
    try:
        SafeET.fromstring(source.encode("utf-8"), forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except (EntitiesForbidden, ExternalReferenceForbidden, DTDForbidden) as exc:
        raise InputError(f"hostile XML refused: {type(exc).__name__} (entity declarations are not allowed)") from None
    except SafeET.ParseError as exc:
        raise InputError(f"malformed XML: {exc}") from None
    try:
        return etree.fromstring(source.encode("utf-8"), PARSER)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"malformed XML: {exc}") from None


def first(root: etree._Element, *names: str) -> etree._Element | None:
    wanted = {n.lower() for n in names}
    for el in root.iter():
        if isinstance(el.tag, str) and local(el.tag) in wanted:
            return el
    return None


def text_of(el: etree._Element | None) -> str:
    """Visible text (a script inside a headline is not part of it)."""
    return " ".join(visible_text(el).split()) if el is not None else ""


def _article(source: str, root_body: etree._Element, headline: str, path: str, digest: str, fmt: str,
             meta: dict[str, str]) -> Document:
    b = TextBuilder(source)
    walker = Walker(b)
    if headline:
        b.add_text(headline)
        b.paragraph()
    walker.walk(root_body)
    text = b.text.rstrip("\n")
    if not text.strip():
        raise InputError(f"no article text found in the {fmt.upper()} body")
    return Document(text, path, digest, fmt, {k: v for k, v in meta.items() if v}, source, b.runs,
                    walker.suppressions)


NEWSML_MARKS = (b"newsitem", b"newsml")


def looks_like_nitf(head: bytes, suffix: str) -> bool:
    """A NITF root, or XML with a <body> that is neither NewsML-G2 nor XHTML."""
    return looks_like_xml(head, suffix) and (b"<nitf" in head or (
        not any(m in head for m in NEWSML_MARKS) and b"<body" in head and b"<html" not in head))


def looks_like_newsml(head: bytes, suffix: str) -> bool:
    return looks_like_xml(head, suffix) and b"<nitf" not in head and any(m in head for m in NEWSML_MARKS)


@register("nitf", label="NITF", suffixes=(".nitf",), media_types=("application/nitf+xml",), sniff=looks_like_nitf,
          order=20)
def read_nitf(data: bytes, path: str) -> Document:
    source = decode(data)
    root = parse_xml(source)
    if local(root.tag) != "nitf":
        raise InputError("not an NITF document (root element is not <nitf>)")
    date_el = first(root, "date.issue")
    meta = {
        "headline": text_of(first(root, "hl1")) or text_of(first(root, "title")),
        "date": (date_el.get("norm") or "")[:8] if date_el is not None else "",
        "dateline": text_of(first(root, "dateline")),
        "byline": text_of(first(root, "byline")),
        "source": (first(root, "doc.copyright").get("holder", "") if first(root, "doc.copyright") is not None
                   else ""),
    }
    if len(meta["date"]) == 8 and meta["date"].isdigit():
        meta["date"] = f"{meta['date'][:4]}-{meta['date'][4:6]}-{meta['date'][6:]}"
    content = first(root, "body.content")
    if content is None:
        raise InputError("NITF has no <body.content>")
    return _article(source, content, meta["headline"], path, sha256_bytes(data), "nitf", meta)


@register("newsml", label="NewsML-G2", sniff=looks_like_newsml, order=30)
def read_newsml(data: bytes, path: str) -> Document:
    source = decode(data)
    root = parse_xml(source)
    item = root if local(root.tag) == "newsitem" else first(root, "newsItem".lower())
    if item is None:
        raise InputError("not a NewsML-G2 news item (no <newsItem>)")
    located = first(item, "located")
    meta = {
        "headline": text_of(first(item, "headline")),
        "date": (text_of(first(item, "contentCreated")) or text_of(first(item, "versionCreated")))[:10],
        "dateline": text_of(first(item, "dateline")) or text_of(first(located, "name") if located is not None
                                                                  else None),
        "byline": text_of(first(item, "by")),
        "source": (first(item, "provider").get("literal", "") if first(item, "provider") is not None else ""),
    }
    inline = first(item, "inlineXML")
    if inline is None:
        raise InputError("NewsML-G2 item has no contentSet/inlineXML")
    body = first(inline, "body") if first(inline, "body") is not None else inline
    return _article(source, body, meta["headline"], path, sha256_bytes(data), "newsml", meta)
