"""Shared by the HTML and XML readers: walk block elements in order, honour suppression comments."""

from __future__ import annotations

from lxml import etree

from checker.ingest.base import Suppression, TextBuilder
from checker.ingest.suppress import SuppressionTracker

BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "figcaption", "dd", "dt", "hl1", "hl2",
          "td", "th", "pre", "caption", "summary"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6", "hl1", "hl2"}
DROP = {"script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template", "iframe", "svg",
        "button", "select", "object", "embed", "head", "title", "meta", "link"}


def visible_text(el: etree._Element) -> str:
    """The element's text without what a reader never sees: scripts, styles, SVG (also nested in a paragraph)."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and local(child.tag) not in DROP:
            parts.append(visible_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def local(tag: object) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


class Walker:
    """Turns an element tree into article text: one paragraph per block, headings on their own."""

    def __init__(self, builder: TextBuilder) -> None:
        self.b = builder
        self.tracker = SuppressionTracker()

    @property
    def suppressions(self) -> list[Suppression]:
        return self.tracker.suppressions

    def comment(self, text: str) -> None:
        self.tracker.comment(text, self.b.length)

    def block(self, el: etree._Element) -> None:
        text = " ".join(visible_text(el).split())
        if not text:
            return
        start = self.b.length
        self.b.add_text(text)
        self.tracker.block(start, self.b.length)
        self.b.paragraph()

    def walk(self, el: etree._Element) -> None:
        for child in el:
            if isinstance(child, etree._Comment):
                self.comment(child.text or "")
                continue
            if not isinstance(child.tag, str):
                continue
            name = local(child.tag)
            if name in DROP:
                continue
            if name in BLOCKS and not any(local(d.tag) in BLOCKS for d in child.iterdescendants()
                                          if isinstance(d.tag, str)):
                self.block(child)
            else:
                self.walk(child)
