"""Shared by the HTML and XML readers: walk block elements in order, honour suppression comments."""

from __future__ import annotations

import re

from lxml import etree

from checker.ingest import Suppression, TextBuilder

BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "figcaption", "dd", "dt", "hl1", "hl2",
          "td", "th", "pre", "caption", "summary"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6", "hl1", "hl2"}
DROP = {"script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template", "iframe", "svg",
        "button", "select", "object", "embed", "head", "title", "meta", "link"}
DISABLE_RE = re.compile(r"^\s*checker-disable(?P<next>-next-line)?(?P<rules>[^-]*(?:-(?!-)[^-]*)*)"
                        r"(?:--\s*(?P<reason>.*))?$", re.S)
ENABLE_RE = re.compile(r"^\s*checker-enable\b")


def local(tag: object) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


class Walker:
    """Turns an element tree into article text: one paragraph per block, headings on their own."""

    def __init__(self, builder: TextBuilder) -> None:
        self.b = builder
        self.suppressions: list[Suppression] = []
        self.open: Suppression | None = None
        self.next_line: Suppression | None = None

    def comment(self, text: str) -> None:
        m = DISABLE_RE.match(text or "")
        if m:
            rules = tuple(r for r in re.split(r"[\s,]+", (m.group("rules") or "").strip()) if r)
            sup = Suppression(self.b.length, 10**12, rules, (m.group("reason") or "").strip())
            if m.group("next"):
                self.next_line = sup
            else:
                self.open = sup
                self.suppressions.append(sup)
        elif ENABLE_RE.match(text or "") and self.open:
            self.open.end = self.b.length
            self.open = None

    def block(self, el: etree._Element) -> None:
        text = " ".join("".join(t for t in el.itertext() if isinstance(t, str)).split())
        if not text:
            return
        start = self.b.length
        self.b.add_text(text)
        if self.next_line:
            self.next_line.start, self.next_line.end = start, self.b.length
            self.suppressions.append(self.next_line)
            self.next_line = None
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
